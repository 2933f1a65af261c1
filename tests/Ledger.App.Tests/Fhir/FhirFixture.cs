using System.Net.Http.Json;
using Hl7.Fhir.Rest;
using Ledger.App.Ingestion;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Ingestion;
using Ledger.App.Tests.Patients;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Fhir;

/// <summary>
/// One ledger with a patient whose record has every kind of resource the FHIR API serves: three lab reports (the first
/// corrected once), an ultrasound with two files, a vaccination, and a consent with its share link; and another patient
/// with a report of their own. Its medical card holds two conditions and an allergy delivered by <see cref="CardClinic"/>
/// and a condition the patient reported (the same diagnosis as the clinic's first).
/// </summary>
public sealed class FhirFixture : IAsyncLifetime
{
    public DeliveryHost Delivery { get; } = new();

    public LedgerHost Host => Delivery.Host;

    public Guid Patient { get; private set; }

    public string Snils { get; } = Seed.NewSnils();

    public Guid Other { get; private set; }

    public Guid OtherDocument { get; private set; }

    public Guid Corrected { get; private set; }

    public IReadOnlyList<Guid> Reports { get; private set; } = [];

    public Guid Study { get; private set; }

    public Guid Vaccination { get; private set; }

    public Guid Consent { get; private set; }

    public string ShareToken { get; private set; } = string.Empty;

    public HttpClient PatientHttp { get; private set; } = null!;

    public TestOrganization CardClinic { get; private set; } = null!;

    /// <summary>The clinic's conditions (E11.9 active, J45 resolved) and allergy, as the ingestion derives their entry ids.</summary>
    public Guid ClinicCondition => IngestionTables.Derive("fhir", CardClinic.Id.ToString("N"), "condition", "c-diabetes");

    public Guid ResolvedCondition => IngestionTables.Derive("fhir", CardClinic.Id.ToString("N"), "condition", "c-asthma");

    public Guid ClinicAllergy => IngestionTables.Derive("fhir", CardClinic.Id.ToString("N"), "allergy", "a-penicillin");

    public Guid ReportedCondition { get; private set; }

    /// <summary>A Bundle of the card's clinic entries for the patient of <paramref name="snils"/>.</summary>
    public static byte[] CardBundle(string snils) => System.Text.Encoding.UTF8.GetBytes("""
        {"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"SNILS"}]}},
          {"resource":{"resourceType":"Condition","id":"c-diabetes","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"problem-list-item"}]}],"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11.9","display":"Сахарный диабет 2 типа"}]},"subject":{"reference":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001"},"onsetDateTime":"2019-05-14","recorder":{"display":"Петрова А. А."}}},
          {"resource":{"resourceType":"Condition","id":"c-asthma","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"J45","display":"Астма"}]},"subject":{"reference":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001"}}},
          {"resource":{"resourceType":"AllergyIntolerance","id":"a-penicillin","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},"type":"allergy","category":["medication"],"criticality":"high","code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005","display":"Allergy to penicillin"}]},"patient":{"reference":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001"},"reaction":[{"manifestation":[{"text":"крапивница"}]}]}}
        ]}
        """.Replace("SNILS", snils, StringComparison.Ordinal));

    public async Task InitializeAsync()
    {
        await Delivery.InitializeAsync();
        using (var admin = Host.ClientAs(Roles.Admin, Guid.NewGuid()))
        {
            var response = await admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(Snils));
            Patient = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("patientId").GetGuid();
        }

        Other = await Seed.PatientAsync(Host);
        OtherDocument = await Seed.DocumentAsync(Host, Other);
        var reports = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            reports.Add(await Seed.DocumentAsync(Host, Patient, Seed.Report("ORD-" + i, Instant.FromUtc(2026, 1, 10 + i, 7, 0), glucose: 5.0m + i, glucoseFlag: i == 2 ? "H" : "N")));
        }

        Reports = reports;
        Corrected = reports[0];
        await Seed.CorrectAsync(Host, Patient, Corrected, Seed.Report("ORD-0", Instant.FromUtc(2026, 1, 10, 7, 0), glucose: 4.4m));
        Study = await RecordAsync(new RecordInstrumentalStudy(new DocumentId(Guid.CreateVersion7()), PatientRef.Resolved(new PatientId(Patient)), Seed.Lab, "DLV-S",
            new InstrumentalStudy(Modality.US, "брюшная полость", Instant.FromUtc(2026, 2, 10, 9, 0), "Протокол", "Без патологии", null, "Петров А. А.",
            [
                new Attachment(ContentHash.Parse(new string('a', 64)), AttachmentContentType.Pdf, 1234, "protocol.pdf"),
                new Attachment(ContentHash.Parse(new string('b', 64)), AttachmentContentType.Jpeg, 56789, "image.jpg"),
            ])));
        Vaccination = await RecordAsync(new RecordVaccination(new DocumentId(Guid.CreateVersion7()), PatientRef.Resolved(new PatientId(Patient)), Seed.Lab, "DLV-V",
            new Domain.Results.Vaccination(new LocalDate(2026, 1, 5), "Гам-КОВИД-Вак", "II-123", "НИЦЭМ", 1, Seed.Lab)));
        PatientHttp = Host.ClientAs(Roles.Patient, Patient);
        (Consent, ShareToken) = await ShareLinkTests.GrantAsync(PatientHttp);
        CardClinic = await Delivery.CreateOrganizationAsync(confirm: true, enable: true);
        using (var delivered = await DeliveryHost.PostFhirAsync(CardClinic.Client, CardBundle(Snils)))
        {
            Assert.True(delivered.StatusCode == System.Net.HttpStatusCode.Created, await delivered.Content.ReadAsStringAsync());
        }

        using (var reported = await PatientHttp.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { code = "E11.9", codeSystem = "http://hl7.org/fhir/sid/icd-10", codeDisplay = "Сахарный диабет 2 типа", onset = "2019-05-01" }))
        {
            Assert.True(reported.StatusCode == System.Net.HttpStatusCode.Created, await reported.Content.ReadAsStringAsync());
            ReportedCondition = (await reported.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("entryId").GetGuid();
        }

        await Seed.CatchUpAsync(Host);
    }

    public async Task DisposeAsync()
    {
        PatientHttp.Dispose();
        await Delivery.DisposeAsync();
    }

    /// <summary>A stock Firely client of the API for the patient (or for the share link).</summary>
    public FhirClient Client(string? shareToken = null, ResourceFormat format = ResourceFormat.Json, HttpClient? http = null) =>
        new(new Uri(Host.Address, shareToken is null ? "/fhir/r4/" : $"/fhir/r4/shared/{shareToken}/"),
            http ?? (shareToken is null ? Host.ClientAs(Roles.Patient, Patient) : Host.Anonymous()),
            new FhirClientSettings { PreferredFormat = format, VerifyFhirVersion = false });

    private async Task<Guid> RecordAsync(ResultCommand command)
    {
        var document = command switch
        {
            RecordInstrumentalStudy s => s.DocumentId,
            RecordVaccination v => v.DocumentId,
            _ => throw new ArgumentOutOfRangeException(nameof(command)),
        };
        await Seed.Executor(Host).ExecuteAsync(Deciders.Result, StreamIds.Result(document), command, new CommandContext(Guid.NewGuid(), EventMetadata.Empty, Patient));
        return document.Value;
    }
}
