using Ledger.App.Consents;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using NodaTime;

namespace Ledger.App.Fhir;

/// <summary>
/// Who reads and what they may see: the patient (their own bearer token), or a doctor through a share link (the
/// consent behind it; only the documents its scope covers). <see cref="BaseUrl"/> is the API's root
/// (<c>…/fhir/r4</c>, or <c>…/fhir/r4/shared/{token}</c> for a link) that every link and <c>fullUrl</c> starts with.
/// </summary>
public sealed record FhirReader(PatientId Patient, PatientState PatientState, ConsentRow? Consent, string BaseUrl, Instant Now)
{
    /// <summary>Whether the reader may see the document (always for the patient; by the consent's scope for a link).</summary>
    public bool Sees(Guid documentId, string documentType) => Consent is null || Consent.Covers(documentId, documentType);

    public bool IsPatient => Consent is null;
}
