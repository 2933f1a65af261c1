using System.Net.Http.Json;
using Hl7.Fhir.Rest;
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
/// with a report of their own.
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
