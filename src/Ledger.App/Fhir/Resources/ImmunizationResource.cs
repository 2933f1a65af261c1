using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Results;

namespace Ledger.App.Fhir.Resources;

/// <summary><c>Immunization</c>: a vaccination (the id is the document id): vaccine, date, series (lot), dose number.</summary>
public sealed class ImmunizationResource(FhirDocuments documents) : IFhirResourceType
{
    private static readonly DocumentType[] Types = [DocumentType.Vaccination];

    public ResourceType Type => ResourceType.Immunization;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public Guid? DocumentOf(string id) => FhirDocuments.DocumentIdOf(id) is { } d && id.Length == 36 ? d : null;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken) =>
        DocumentOf(id) is { } document && await documents.LoadAsync(reader, document, Types, cancellationToken) is { } state
            ? await MapAsync(reader, state, cancellationToken)
            : null;

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        var (ids, total) = await documents.ListAsync(reader, Types, search.Count, search.Offset, cancellationToken);
        var matches = new List<Resource>();
        foreach (var id in ids)
        {
            if (await documents.LoadAsync(reader, id, Types, cancellationToken) is { } state)
            {
                matches.Add(await MapAsync(reader, state, cancellationToken));
            }
        }

        return new FhirPage(matches, total);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var state in await documents.AllAsync(reader, Types, cancellationToken))
        {
            all.Add(await MapAsync(reader, state, cancellationToken));
        }

        return all;
    }

    private async Task<Immunization> MapAsync(FhirReader reader, ResultState state, CancellationToken cancellationToken)
    {
        var v = (Vaccination)state.Current!;
        return new Immunization
        {
            Id = state.DocumentId.Value.ToString("D"),
            Meta = new Meta { VersionId = state.Versions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Status = Immunization.ImmunizationStatusCodes.Completed,
            VaccineCode = new CodeableConcept { Text = v.Vaccine },
            Patient = FhirDocuments.PatientReference(reader),
            Occurrence = new FhirDateTime(v.Date.Year, v.Date.Month, v.Date.Day),
            PrimarySource = true,
            LotNumber = v.Series,
            Manufacturer = v.Manufacturer is { Length: > 0 } manufacturer ? new ResourceReference { Display = manufacturer } : null,
            Performer = [new Immunization.PerformerComponent { Actor = await documents.OrganizationAsync(v.Organization.Value, cancellationToken) }],
            ProtocolApplied = [new Immunization.ProtocolAppliedComponent { DoseNumber = new PositiveInt(v.DoseNumber) }],
        };
    }
}
