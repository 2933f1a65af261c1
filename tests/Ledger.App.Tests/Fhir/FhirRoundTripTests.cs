using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Ledger.App.Tests.Ingestion;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.Fhir;

/// <summary>A Bundle delivered through ingestion comes back from the FHIR API with the same codes, values, units, flags and times.</summary>
public sealed class FhirRoundTripTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    [Fact]
    public async Task A_delivered_bundle_comes_back_with_the_same_codes_values_units_flags_and_times()
    {
        var org = await fixture.Delivery.CreateOrganizationAsync(confirm: true, enable: true);
        var delivered = new (string Loinc, string Name, decimal Value, string Unit, string Flag, decimal Low, decimal High)[]
        {
            ("718-7", "Hemoglobin [Mass/volume] in Blood", 11.2m, "g/dL", "L", 12m, 16m),
            ("6690-2", "Leukocytes [#/volume] in Blood", 7.4m, "10*9/L", "N", 4m, 9m),
        };
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:8d2f6a3c-0001-4000-8000-000000000001",
            Resource = new Patient { Identifier = [new Identifier("urn:oid:1.2.643.100.3", fixture.Snils)] },
        });
        var report = new DiagnosticReport
        {
            Id = "cbc-rt",
            Status = DiagnosticReport.DiagnosticReportStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB")],
            Code = new CodeableConcept("http://loinc.org", "58410-2", "CBC panel - Blood by Automated count"),
            Subject = new ResourceReference("urn:uuid:8d2f6a3c-0001-4000-8000-000000000001"),
            Effective = new FhirDateTime("2026-02-20T08:15:00+03:00"),
            Issued = new DateTimeOffset(2026, 2, 20, 11, 0, 0, TimeSpan.Zero),
            Identifier = [new Identifier("urn:lab:orders", "RT-77")],
        };
        for (var i = 0; i < delivered.Length; i++)
        {
            var d = delivered[i];
            var id = "rt-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            report.Result.Add(new ResourceReference("Observation/" + id));
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = "http://lab.example/fhir/Observation/" + id,
                Resource = new Observation
                {
                    Id = id,
                    Status = ObservationStatus.Final,
                    Code = new CodeableConcept("http://loinc.org", d.Loinc, d.Name),
                    Subject = new ResourceReference("urn:uuid:8d2f6a3c-0001-4000-8000-000000000001"),
                    Effective = new FhirDateTime("2026-02-20T08:15:00+03:00"),
                    Issued = new DateTimeOffset(2026, 2, 20, 11, 0, 0, TimeSpan.Zero),
                    Value = new Quantity(d.Value, d.Unit) { System = "http://unitsofmeasure.org", Code = d.Unit },
                    Interpretation = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", d.Flag)],
                    ReferenceRange = [new Observation.ReferenceRangeComponent { Low = new Quantity(d.Low, d.Unit) { System = "http://unitsofmeasure.org", Code = d.Unit }, High = new Quantity(d.High, d.Unit) { System = "http://unitsofmeasure.org", Code = d.Unit } }],
                },
            });
        }

        bundle.Entry.Insert(1, new Bundle.EntryComponent { FullUrl = "http://lab.example/fhir/DiagnosticReport/cbc-rt", Resource = report });

        var response = await DeliveryHost.PostFhirAsync(org.Client, System.Text.Encoding.UTF8.GetBytes(bundle.ToJson()));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        await Ledger.App.Tests.Patients.Seed.CatchUpAsync(fixture.Host);

        var client = fixture.Client();
        var document = DeliveryHost.FhirDocumentId(org.Id, "lab", "cbc-rt");
        var back = await client.SearchAsync<DiagnosticReport>(["_count=200"], ["DiagnosticReport:result"]);
        var served = back!.Entry.Select(e => e.Resource!).ToList();
        var read = (DiagnosticReport)served.Single(r => r.Id == document.ToString("D"));
        Assert.Equal(("http://loinc.org", "58410-2"), (read.Code!.Coding[0].System, read.Code.Coding[0].Code));
        Assert.Equal(new DateTimeOffset(2026, 2, 20, 5, 15, 0, TimeSpan.Zero), ((FhirDateTime)read.Effective!).ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 2, 20, 11, 0, 0, TimeSpan.Zero), read.Issued);
        var observations = read.Result.Select(r => (Observation)served.Single(s => "Observation/" + s.Id == r.Reference)).ToList();
        Assert.Equal(delivered.Length, observations.Count);
        for (var i = 0; i < delivered.Length; i++)
        {
            var (d, o) = (delivered[i], observations[i]);
            FhirValidation.AssertValid(o);
            Assert.Equal(("http://loinc.org", d.Loinc), (o.Code!.Coding[0].System, o.Code.Coding[0].Code));
            var value = (Quantity)o.Value!;
            Assert.Equal((d.Value, d.Unit, "http://unitsofmeasure.org"), (value.Value!.Value, value.Code, value.System));
            Assert.Equal(d.Flag, o.Interpretation[0].Coding[0].Code);
            Assert.Equal((d.Low, d.High), (o.ReferenceRange[0].Low!.Value!.Value, o.ReferenceRange[0].High!.Value!.Value));
            Assert.Equal(new DateTimeOffset(2026, 2, 20, 5, 15, 0, TimeSpan.Zero), ((FhirDateTime)o.Effective!).ToDateTimeOffset(TimeSpan.Zero));
            Assert.Equal(new DateTimeOffset(2026, 2, 20, 11, 0, 0, TimeSpan.Zero), o.Issued);
        }

        var provenance = await client.ReadAsync<Provenance>("Provenance/" + document.ToString("D"));
        Assert.Equal(org.Id.ToString("D"), provenance!.Agent[0].Who!.Identifier!.Value);
        Assert.All(provenance.Entity, e => Assert.Matches("^[0-9a-f]{64}$", e.What!.Identifier!.Value!));
    }
}
