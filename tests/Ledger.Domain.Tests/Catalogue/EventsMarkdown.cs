using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Ledger.Domain.Tests.Catalogue;

/// <summary>Generates docs/events.md from <see cref="EventCatalogue.All"/> and the events' constructor parameters.</summary>
public static class EventsMarkdown
{
    private static readonly NullabilityInfoContext Nullability = new();

    private static readonly (string Kind, string Title)[] Kinds =
    [
        (StreamIds.PatientKind, "Patient streams (`patient-{patientId}`)"),
        (StreamIds.OrganizationKind, "Organisation streams (`organization-{organizationId}`)"),
        (StreamIds.ResultKind, "Result streams (`result-{documentId}`, one per delivered document)"),
        (StreamIds.ConsentKind, "Consent streams (`consent-{consentId}`)"),
        (StreamIds.AccessKind, "Access streams (`access-{patientId}`, one per patient)"),
        (StreamIds.AccountKind, "Account streams (`account-{patientId}`, one per patient with a sign-in account)"),
        (StreamIds.DeliveryRefusalKind, "Delivery refusal streams (`delivery_refusals`, one per organisation and one for senders no organisation matched)"),
    ];

    public static string Generate()
    {
        var md = new StringBuilder();
        md.Append("# Event catalogue\n\n");
        md.Append("Generated from `EventCatalogue.All` by `EventsMarkdown.Generate()` in tests/Ledger.Domain.Tests; ");
        md.Append("the catalogue test fails when this file disagrees. Do not edit by hand.\n\n");
        md.Append("Payloads are JSON (`DomainJson.Options`): camelCase properties, enums as camelCase strings, ");
        md.Append("instants as ISO-8601 UTC, dates as `yyyy-MM-dd`, identifiers as plain strings. ");
        md.Append("Patient-scoped payloads are encrypted by the store under the patient's data key.\n\n");
        md.Append("| Stored name | Version | Stream | Patient-scoped (encrypted) | C# type |\n");
        md.Append("|---|---|---|---|---|\n");
        foreach (var d in EventCatalogue.All)
        {
            md.Append($"| `{d.StoredName}` | {d.Version} | {d.StreamKind} | {(d.PatientScoped ? "yes" : "no")} | `{d.ClrType.Name}` |\n");
        }

        foreach (var (kind, title) in Kinds)
        {
            md.Append($"\n## {title}\n");
            foreach (var d in EventCatalogue.All.Where(d => d.StreamKind == kind))
            {
                md.Append($"\n### `{d.StoredName}`\n\n");
                md.Append($"{d.Description}\n\n");
                md.Append($"C# `{d.ClrType.FullName}`, version {d.Version}, stream `{d.StreamKind}`, ");
                md.Append($"patient-scoped (encrypted): {(d.PatientScoped ? "yes" : "no")}.\n\n");
                md.Append("| Field | Type |\n|---|---|\n");
                var constructor = d.ClrType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
                foreach (var p in constructor.GetParameters())
                {
                    md.Append($"| `{JsonNamingPolicy.CamelCase.ConvertName(p.Name!)}` | {TypeName(p.ParameterType, Nullability.Create(p))} |\n");
                }
            }
        }

        return md.ToString();
    }

    private static string TypeName(Type type, NullabilityInfo info)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return $"{TypeName(underlying, info)}?";
        }

        if (info.ReadState == NullabilityState.Nullable && !type.IsValueType)
        {
            return $"{Plain(type, info)}?";
        }

        return Plain(type, info);
    }

    private static string Plain(Type type, NullabilityInfo info)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            return $"list of {TypeName(type.GetGenericArguments()[0], info.GenericTypeArguments[0])}";
        }

        return type == typeof(string) ? "string"
            : type == typeof(decimal) ? "decimal"
            : type == typeof(int) ? "int"
            : type == typeof(long) ? "long"
            : type == typeof(bool) ? "bool"
            : type.IsEnum ? $"{type.Name} ({string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName))})"
            : type.Name;
    }
}
