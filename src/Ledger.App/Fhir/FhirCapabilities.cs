using Hl7.Fhir.Model;

namespace Ledger.App.Fhir;

/// <summary>The CapabilityStatement (<c>metadata</c>): exactly the resource types, interactions, search parameters and formats served.</summary>
public static class FhirCapabilities
{
    public const string EverythingDefinition = "http://hl7.org/fhir/OperationDefinition/Patient-everything";

    public static CapabilityStatement Build(FhirResourceTypes types, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(types);
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = new Markdown(
                "Read-only. A patient reads their own record with their bearer token; a doctor reads what a consent covers under "
                + "/fhir/r4/shared/{token}/ (the share link is the credential). Searches are strict (handling=strict): an unknown "
                + "parameter or an unreadable value is refused with 400 and an OperationOutcome; Prefer: handling=lenient is not honoured. "
                + $"_count is 1 to {FhirSearch.MaxCount} (default {FhirSearch.DefaultCount}); pages follow the next/previous links."),
            Security = new CapabilityStatement.SecurityComponent
            {
                Cors = false,
                Description = new Markdown("Authorization: Bearer <token> issued by the portal's authorization server (role patient), or a share link in the path."),
            },
        };
        foreach (var type in types.All)
        {
            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type.Type.ToString(),
                Interaction =
                [
                    new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                    new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                ],
                Versioning = type.HasHistory ? CapabilityStatement.ResourceVersionPolicy.Versioned : CapabilityStatement.ResourceVersionPolicy.NoVersion,
                ReadHistory = type.HasHistory,
                SearchInclude = type.Includes,
                SearchParam = [.. type.SearchParameters.Concat(FhirSearch.Common).Select(p => new CapabilityStatement.SearchParamComponent { Name = p.Name, Type = p.Type, Documentation = new Markdown(p.Documentation) })],
            };
            if (type.HasHistory)
            {
                resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Vread });
                resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.HistoryInstance });
            }

            if (type.Type == ResourceType.Patient)
            {
                resource.Operation = [new CapabilityStatement.OperationComponent { Name = "everything", Definition = EverythingDefinition }];
            }

            rest.Resource.Add(resource);
        }

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-12-01",
            Publisher = "Ledger",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "Ledger" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "Ledger FHIR R4 read API", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = [.. FhirFormats.Names],
            Rest = [rest],
        };
    }
}
