using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Patients;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>Patient</c>: the reader's patient only (id = the patient id): name (family, given and patronymic as given names),
/// sex, birth date; for the patient also the СНИЛС (<c>urn:oid:1.2.643.100.3</c>) and contacts. Through a share link the
/// identifiers and contacts are left out (the consent covers documents, not the profile).
/// </summary>
public sealed class PatientResource : IFhirResourceType
{
    public const string SnilsSystem = "urn:oid:1.2.643.100.3";

    public ResourceType Type => ResourceType.Patient;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Task.FromResult<Resource?>(id == reader.Patient.Value.ToString("D") ? Map(reader) : null);
    }

    public Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        IReadOnlyList<Resource> all = [Map(reader)];
        return Task.FromResult(new FhirPage([.. all.Skip(search.Offset).Take(search.Count)], 1));
    }

    public Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Resource>>([Map(reader)]);

    public static Patient Map(FhirReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var state = reader.PatientState;
        var patient = new Patient
        {
            Id = reader.Patient.Value.ToString("D"),
            Active = true,
            Gender = state.Sex switch
            {
                Sex.Male => AdministrativeGender.Male,
                Sex.Female => AdministrativeGender.Female,
                _ => AdministrativeGender.Unknown,
            },
        };
        if (state.Name is { } name)
        {
            patient.Name = [new HumanName { Use = HumanName.NameUse.Official, Family = name.Surname, Given = name.Patronymic is { Length: > 0 } p ? [name.GivenName, p] : [name.GivenName] }];
        }

        if (state.BirthDate is { } birth)
        {
            patient.BirthDate = birth.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (reader.IsPatient)
        {
            if (state.Snils is { } snils)
            {
                patient.Identifier = [new Identifier(SnilsSystem, snils.Digits)];
            }

            var telecom = new List<ContactPoint>();
            if (state.Email is { } email)
            {
                telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, null, email.Address));
            }

            if (state.Phone is { } phone)
            {
                telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, phone.E164));
            }

            patient.Telecom = telecom;
        }

        return patient;
    }
}
