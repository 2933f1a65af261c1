using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class PendingResultsTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private async Task<PatientId> RegisterAsync(string snils)
    {
        var id = new PatientId(Guid.CreateVersion7());
        var executor = host.Host.Services.GetRequiredService<CommandExecutor>();
        var command = new RegisterPatient(
            id, FullName.Create("Иванова", "Мария", "Петровна"), BirthDate.Create(new LocalDate(1984, 6, 2), new LocalDate(2026, 3, 2)),
            Sex.Female, Snils.Parse(snils), null, null, null);
        await executor.ExecuteAsync(Deciders.Patient, StreamIds.Patient(id), command, new CommandContext(Guid.NewGuid(), new EventMetadata(), id.Value));
        return id;
    }

    private static byte[] MessageFor(string pid3, string controlId) =>
        DeliveryHost.WithControlId(Hl7DeliveryTests.WithPid3(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), pid3), controlId);

    [Fact]
    public async Task A_result_delivered_before_the_cabinet_is_attached_once_the_patient_registers()
    {
        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, MessageFor("112-233-445 95^^^SNILS", "PENDING-1"));
        Assert.Equal("AA", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        var documentId = DeliveryHost.Hl7DocumentId(host.Lab.Id, "PENDING-1");
        Assert.Null((await host.DocumentAsync(documentId)).Patient!.PatientId);
        Assert.Equal(1, await host.ScalarAsync($"SELECT count(*) FROM ledger.pending_results WHERE document_id = '{documentId}'"));

        var patient = await RegisterAsync("112-233-445 95");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<RecordedEvent> events;
        do
        {
            await Task.Delay(100);
            events = await host.Store.ReadStreamAsync(documentId);
        }
        while (events.Count < 3 && DateTime.UtcNow < deadline);

        Assert.Equal(["results.lab_result_arrived.v1", "results.status_changed.v1", "results.patient_resolved.v1"], events.Select(e => e.EventType).ToArray());
        Assert.Equal(patient, (await host.DocumentAsync(documentId)).Patient!.PatientId);
        Assert.Equal(0, await host.ScalarAsync($"SELECT count(*) FROM ledger.pending_results WHERE document_id = '{documentId}'"));

        // Delivered again (a redelivery after a crash), both messages change nothing.
        var bus = host.Host.Services.GetRequiredService<Wolverine.IMessageBus>();
        await bus.InvokeAsync(new Ledger.App.Ingestion.ResolvePendingDocument(patient.Value, documentId));
        await bus.InvokeAsync(new Ledger.App.Ingestion.ResolvePendingResults(patient.Value, [host.Host.Services.GetRequiredService<Ledger.App.Patients.PatientDirectory>().Digest(Snils.Parse("112-233-445 95"))]));
        Assert.Equal(3, (await host.Store.ReadStreamAsync(documentId)).Count);
    }

    [Fact]
    public async Task A_result_for_a_registered_patient_is_attached_at_once()
    {
        var patient = await RegisterAsync("001-437-544 00");

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, MessageFor("00143754400^^^^PEN", "KNOWN-1"));

        Assert.Equal("AA", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(patient, (await host.DocumentAsync(DeliveryHost.Hl7DocumentId(host.Lab.Id, "KNOWN-1"))).Patient!.PatientId);
    }

    [Fact]
    public async Task An_enp_that_is_not_16_digits_is_refused()
    {
        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, MessageFor("770000001234567^^^ENP", "BAD-ENP"));
        var ack = await response.Content.ReadAsStringAsync();

        Assert.Equal("AE", DeliveryHost.AckCode(ack));
        Assert.Contains("PID-3: the ЕНП is not valid", ack, StringComparison.Ordinal);
    }
}
