using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Organizations;

/// <summary>One organisation as listed in the registry of medical organisations.</summary>
public sealed record RegistryEntry(Ogrn Ogrn, Inn Inn, string Name, OrganizationType Type, string Oid);

/// <summary>
/// A registry list, given to the decision as data. <see cref="ParseCsv"/> reads CSV text with the header
/// <c>ogrn,inn,name,type,oid</c> (fields may be quoted with <c>"</c>, a doubled <c>""</c> is a quote).
/// </summary>
public sealed record OrganizationRegistry(IReadOnlyList<RegistryEntry> Entries)
{
    private static readonly string[] Header = ["ogrn", "inn", "name", "type", "oid"];

    public RegistryEntry? Find(Ogrn ogrn) => Entries.FirstOrDefault(e => e.Ogrn == ogrn);

    /// <summary>Parses the CSV text; throws <see cref="DomainValidationException"/> naming the line and column.</summary>
    public static OrganizationRegistry ParseCsv(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var entries = new List<RegistryEntry>();
        var seen = new Dictionary<Ogrn, int>();
        var headerSeen = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var fields = SplitLine(lines[i], number);
            if (!headerSeen)
            {
                var names = fields.Select(f => f.Trim().ToLowerInvariant()).ToArray();
                if (!names.SequenceEqual(Header))
                {
                    throw Error(number, $"expected the header '{string.Join(',', Header)}', found '{lines[i].Trim()}'");
                }

                headerSeen = true;
                continue;
            }

            if (fields.Count != Header.Length)
            {
                throw Error(number, $"expected {Header.Length} fields, found {fields.Count}");
            }

            var entry = ParseEntry(fields, number);
            if (seen.TryGetValue(entry.Ogrn, out var first))
            {
                throw Error(number, $"column ogrn: {entry.Ogrn} is already listed on line {first}");
            }

            seen[entry.Ogrn] = number;
            entries.Add(entry);
        }

        return headerSeen ? new OrganizationRegistry(entries) : throw Error(1, "the registry is empty: no header");
    }

    /// <summary>An OID: digits separated by single dots, e.g. <c>1.2.643.5.1.13.13.12.2.77.7973</c>.</summary>
    public static bool IsOid(string? text) =>
        !string.IsNullOrEmpty(text) && text.Split('.') is { Length: >= 2 } arcs && arcs.All(a => a.Length > 0 && a.All(char.IsAsciiDigit));

    private static RegistryEntry ParseEntry(List<string> fields, int line)
    {
        var ogrnText = fields[0].Trim();
        var innText = fields[1].Trim();
        var name = fields[2].Trim();
        var typeText = fields[3].Trim();
        var oid = fields[4].Trim();
        if (!Ogrn.TryParse(ogrnText, out var ogrn, out var reason))
        {
            throw Error(line, $"column ogrn: {reason}");
        }

        if (!Inn.TryParse(innText, out var inn, out reason))
        {
            throw Error(line, $"column inn: {reason}");
        }

        if (name.Length == 0)
        {
            throw Error(line, "column name: the name is empty");
        }

        if (!Enum.TryParse<OrganizationType>(typeText, ignoreCase: true, out var type) || !Enum.IsDefined(type)
            || typeText.All(char.IsAsciiDigit))
        {
            throw Error(line, $"column type: '{typeText}' is not one of polyclinic, laboratory, hospital");
        }

        if (!IsOid(oid))
        {
            throw Error(line, $"column oid: '{oid}' is not an OID (digits separated by dots)");
        }

        return new RegistryEntry(ogrn, inn, name, type, oid);
    }

    private static List<string> SplitLine(string line, int number)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }

            i++;
        }

        if (quoted)
        {
            throw Error(number, $"column {fields.Count + 1}: a quoted field is not closed");
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static DomainValidationException Error(int line, string reason) => new("registry", $"line {line}, {reason}");
}
