using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.Consents;
using Ledger.App.Streams;
using Ledger.Domain.Consents;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>Consent</c>: the patient's consents to doctors (id = the consent id), with the status as of now: active while
/// active or not yet valid (the provision's period says when), inactive once expired or revoked. The provision permits
/// the doctor (actor, by name) for the period, limited to document types (<c>urn:ledger:document-type</c>) or to
/// documents (their DiagnosticReport or Immunization). Through a share link, only the consent behind it.
/// </summary>
public sealed class ConsentResource(ConsentsProjection consents, EventStore.EventStore store) : IFhirResourceType
{
    public const string DocumentTypeSystem = "urn:ledger:document-type";

    public ResourceType Type => ResourceType.Consent;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!Guid.TryParseExact(id, "D", out var consentId) || await consents.FindAsync(consentId, cancellationToken) is not { } row
            || row.PatientId != reader.Patient.Value || (reader.Consent is { } link && link.ConsentId != consentId))
        {
            return null;
        }

        return await MapAsync(reader, row, cancellationToken);
    }

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        var all = await EverythingAsync(reader, cancellationToken);
        return new FhirPage([.. all.Skip(search.Offset).Take(search.Count)], all.Count);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = reader.Consent is { } link ? [link] : await consents.ListAsync(reader.Patient, cancellationToken);
        var all = new List<Resource>();
        foreach (var row in rows)
        {
            all.Add(await MapAsync(reader, row, cancellationToken));
        }

        return all;
    }

    private async Task<Consent> MapAsync(FhirReader reader, ConsentRow row, CancellationToken cancellationToken)
    {
        var (state, version) = await store.AggregateAsync(Deciders.Consent, row.ConsentId, cancellationToken: cancellationToken);
        var status = row.StatusAt(reader.Now);
        var provision = new Consent.provisionComponent
        {
            Type = Consent.ConsentProvisionType.Permit,
            Period = new Period(new FhirDateTime(FhirDocuments.At(row.ValidFrom)), new FhirDateTime(FhirDocuments.At(row.RevokedAt is { } revoked && revoked < row.ValidUntil ? revoked : row.ValidUntil))),
            Actor =
            [
                new Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"),
                    Reference = new ResourceReference { Display = state.DoctorName is { } d ? string.Join(' ', new[] { d.Surname, d.GivenName, d.Patronymic }.Where(s => !string.IsNullOrEmpty(s))) : null },
                },
            ],
        };
        switch (row.ScopeKind)
        {
            case ConsentScopeKind.DocumentTypes:
                provision.Class = [.. row.DocumentTypes.Select(t => new Coding(DocumentTypeSystem, t))];
                break;
            case ConsentScopeKind.Documents:
                provision.Data = [.. row.DocumentIds.Select(d => new Consent.provisionDataComponent { Meaning = Consent.ConsentDataMeaning.Related, Reference = new ResourceReference { Identifier = new Identifier("urn:ledger:document", d.ToString("D")) } })];
                break;
        }

        return new Consent
        {
            Id = row.ConsentId.ToString("D"),
            Meta = new Meta { VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Status = status is "active" or "pending" ? Consent.ConsentState.Active : Consent.ConsentState.Inactive,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0", "Patient Consent")],
            Patient = FhirDocuments.PatientReference(reader),
            DateTime = FhirDocuments.At(row.ValidFrom).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
            PolicyRule = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
            Provision = provision,
        };
    }
}
