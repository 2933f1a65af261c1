using System.Globalization;
using System.Text.Json;
using Ledger.App.Ingestion.Parsed;
using NodaTime;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Collects issues while a document is read.</summary>
internal sealed class FhirIssues(FhirReaderOptions options)
{
    public List<FhirIssue> Items { get; } = [];

    public FhirReaderOptions Options { get; } = options;

    public bool HasErrors => Items.Any(i => i.Severity == FhirIssueSeverity.Error);

    public void Error(string code, string expression, string message) =>
        Items.Add(new FhirIssue(FhirIssueSeverity.Error, code, expression, message));
}

/// <summary>A JSON element with its FHIRPath-like location; typed reads report issues instead of throwing.</summary>
internal readonly record struct FhirNode(JsonElement Element, string Path, FhirIssues Issues)
{
    public bool IsObject => Element.ValueKind == JsonValueKind.Object;

    public FhirNode? Child(string name)
    {
        if (!IsObject || !Element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return new FhirNode(value, Path + "." + name, Issues);
    }

    public FhirNode? Object(string name)
    {
        var child = Child(name);
        if (child is { } c && c.Element.ValueKind != JsonValueKind.Object)
        {
            Issues.Error("structure", c.Path, "must be a JSON object");
            return null;
        }

        return child;
    }

    public IReadOnlyList<FhirNode> Array(string name)
    {
        var child = Child(name);
        if (child is not { } c)
        {
            return [];
        }

        if (c.Element.ValueKind != JsonValueKind.Array)
        {
            Issues.Error("structure", c.Path, "must be a JSON array");
            return [];
        }

        var list = new List<FhirNode>(c.Element.GetArrayLength());
        var i = 0;
        foreach (var item in c.Element.EnumerateArray())
        {
            list.Add(new FhirNode(item, $"{c.Path}[{i++}]", Issues));
        }

        return list;
    }

    public string? String(string name)
    {
        var child = Child(name);
        if (child is not { } c)
        {
            return null;
        }

        if (c.Element.ValueKind != JsonValueKind.String)
        {
            Issues.Error("structure", c.Path, "must be a JSON string");
            return null;
        }

        var s = c.Element.GetString();
        return string.IsNullOrWhiteSpace(s) ? null : s;
    }

    public string? RequiredString(string name)
    {
        var value = String(name);
        if (value is null && Child(name) is null)
        {
            Issues.Error("required", Path + "." + name, "is required");
        }

        return value;
    }

    /// <summary>A FHIR decimal, parsed from the raw JSON number text (never through a binary float).</summary>
    public decimal? Decimal(string name)
    {
        var child = Child(name);
        if (child is not { } c)
        {
            return null;
        }

        if (c.Element.ValueKind != JsonValueKind.Number)
        {
            Issues.Error("structure", c.Path, "must be a JSON number");
            return null;
        }

        var raw = c.Element.GetRawText();
        if (!decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            Issues.Error("value", c.Path, $"number {Clip(raw)} is out of the decimal range");
            return null;
        }

        return value;
    }

    public string? IntegerText(string name)
    {
        var child = Child(name);
        if (child is not { } c)
        {
            return null;
        }

        if (c.Element.ValueKind != JsonValueKind.Number || !c.Element.TryGetInt32(out var v))
        {
            Issues.Error("structure", c.Path, "must be an integer");
            return null;
        }

        return v.ToString(CultureInfo.InvariantCulture);
    }

    public Instant? DateTime(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        if (!FhirDateTime.TryParse(text, Issues.Options.DefaultOffset, out var instant))
        {
            Issues.Error("value", Path + "." + name, $"'{Clip(text)}' is not a FHIR dateTime/instant");
            return null;
        }

        return instant;
    }

    /// <summary>First coding of a CodeableConcept, preferring <paramref name="preferredSystem"/>; the text when no coding.</summary>
    public CodedValue? Concept(string name, string? preferredSystem = null) =>
        Object(name) is { } cc ? ReadConcept(cc, preferredSystem).Primary : null;

    public static (CodedValue? Primary, CodedValue? Alternate) ReadConcept(FhirNode cc, string? preferredSystem)
    {
        var codings = cc.Array("coding")
            .Select(c => new CodedValue(c.String("code"), c.String("display"), CodeSystems.Normalise(c.String("system"))))
            .Where(c => c.Code is not null || c.Text is not null)
            .ToList();
        var text = cc.String("text");
        if (codings.Count == 0)
        {
            return (text is null ? null : new CodedValue(null, text, null), null);
        }

        var primary = codings.FirstOrDefault(c => preferredSystem is not null && c.System == preferredSystem) ?? codings[0];
        if (primary.Text is null && text is not null)
        {
            primary = primary with { Text = text };
        }

        var alternate = codings.FirstOrDefault(c => !ReferenceEquals(c, primary) && c != primary);
        return (primary, alternate);
    }

    public ResponsibleParty? Party(string name) => Object(name) is { } r ? ReadParty(r) : null;

    public static ResponsibleParty? ReadParty(FhirNode reference)
    {
        var id = reference.String("reference");
        var display = reference.String("display");
        return id is null && display is null ? null : new ResponsibleParty(id, null, null, display);
    }

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
