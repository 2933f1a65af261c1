using System.Text;
using System.Text.Json.Nodes;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class FhirFixtureTests
{
    private static FhirIngestResult Read(string name) => FhirDeliveryReader.Read(Fixtures.Fhir(name));

    private static UnitOfMeasure Ucum(string code, string text) => new(code, text, CodeSystems.Ucum);

    [Theory]
    [InlineData("observation-example-f001-glucose.json", "f001", "15074-8", "Glucose [Moles/volume] in Blood", "6.3", "mmol/L", "mmol/l", "3.1", "6.2", "H", "2013-04-02T08:30:10Z")]
    [InlineData("observation-example-f002-excess.json", "f002", "11555-0", "Base excess in Blood by calculation", "12.6", "mmol/L", "mmol/l", "7.1", "11.2", "H", "2013-04-02T09:30:10Z")]
    [InlineData("observation-example-f003-co2.json", "f003", "11557-6", "Carbon dioxide in blood", "6.2", "kPa", "kPa", "4.8", "6.0", "H", "2013-04-02T09:30:10Z")]
    [InlineData("observation-example-f005-hemoglobin.json", "f005", "718-7", "Hemoglobin [Mass/volume] in Blood", "7.2", "g/dL", "g/dl", "7.5", "10", "L", "2013-04-05T09:30:10Z")]
    public void Single_observations_with_numeric_ranges(
        string file, string id, string loinc, string display, string value, string unitCode, string unitText,
        string low, string high, string flag, string effective)
    {
        var result = Read(file);
        var doc = Assert.Single(result.LabResults);
        Assert.Empty(result.Vaccinations);
        Assert.Equal(IngestSource.FhirR4, doc.Source);
        Assert.Equal(id, doc.SourceId);
        Assert.Equal("Patient/f001", doc.SubjectReference);
        Assert.Empty(doc.PatientIdentifiers);
        var panel = Assert.Single(doc.Panels);
        Assert.Null(panel.Code);
        Assert.Equal(ReportStatusKind.Final, panel.Status.Kind);
        Assert.Equal(new ResponsibleParty("Practitioner/f005", null, null, "A. Langeveld"), panel.ResponsibleSpecialist);

        var obs = Assert.Single(panel.Observations);
        Assert.Equal(id, obs.SourceId);
        Assert.Equal("Quantity", obs.ValueType);
        Assert.Equal(new CodedValue(loinc, display, CodeSystems.Loinc), obs.Code);
        Assert.True(obs.Code.IsLoinc);
        var v = Assert.Single(obs.Values);
        Assert.Equal(ObservationValueKind.Numeric, v.Kind);
        Assert.Equal(value, v.Text);
        Assert.Equal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), v.Number);
        Assert.Equal(value, v.Number!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Ucum(unitCode, unitText), obs.Unit);
        Assert.Equal(decimal.Parse(low, System.Globalization.CultureInfo.InvariantCulture), obs.ReferenceRange!.Low);
        Assert.Equal(high, obs.ReferenceRange.High!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(obs.ReferenceRange.Text);
        Assert.Equal([flag], obs.AbnormalFlags);
        Assert.Equal("final", obs.ResultStatus);
        Assert.Equal(NodaTime.Text.InstantPattern.General.Parse(effective).Value, obs.ObservedAt);
        Assert.Equal(panel.CollectedAt, obs.ObservedAt);
    }

    [Fact]
    public void Erythrocytes_text_only_range()
    {
        var obs = Read("observation-example-f004-erythrocyte.json").LabResults[0].Panels[0].Observations[0];
        Assert.Equal(new CodedValue("789-8", "Erythrocytes [#/volume] in Blood by Automated count", CodeSystems.Loinc), obs.Code);
        Assert.Equal(4.12m, obs.Values[0].Number);
        Assert.Equal(Ucum("10*12/L", "10^12/L"), obs.Unit);
        Assert.Null(obs.ReferenceRange!.Low);
        Assert.Null(obs.ReferenceRange.High);
        Assert.StartsWith(" 12-14 y Male: 4.4 - 5.2  x  10^12/L ;", obs.ReferenceRange.Text, StringComparison.Ordinal);
        Assert.Equal(["L"], obs.AbnormalFlags);
        Assert.Equal(Instant.FromUtc(2013, 4, 3, 14, 30, 10), obs.IssuedAt);
    }

    [Fact]
    public void Blood_exam_bundle_keeps_unresolved_results()
    {
        var result = Read("diagnosticreport-example-f001-bloodexam.json");
        var doc = Assert.Single(result.LabResults);
        Assert.Equal("f001", doc.SourceId);
        Assert.Equal("Patient/f001", doc.SubjectReference);
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("nr1239044", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("58410-2", "Complete blood count (hemogram) panel - Blood by Automated count", CodeSystems.Loinc), panel.Code);
        Assert.Equal(Instant.FromUtc(2013, 5, 15, 18, 32, 52), panel.IssuedAt);
        Assert.Null(panel.CollectedAt);
        Assert.Equal(new ReportStatus("final", ReportStatusKind.Final), panel.Status);
        Assert.Equal("Core lab", panel.Conclusion);
        Assert.Equal(new ResponsibleParty("Organization/f001", null, null, "Burgers University Medical Centre"), panel.ResponsibleSpecialist);
        Assert.Empty(panel.Observations);
        Assert.Equal(["Observation/f001", "Observation/f002", "Observation/f003", "Observation/f004", "Observation/f005"], panel.UnresolvedResultReferences);
    }

    [Fact]
    public void Blood_exam_with_its_observations_and_patient_in_one_transaction()
    {
        var bundle = JsonNode.Parse(Fixtures.Fhir("diagnosticreport-example-f001-bloodexam.json"))!.AsObject();
        bundle["type"] = "transaction";
        var entries = bundle["entry"]!.AsArray();
        foreach (var f in new[] { "observation-example-f005-hemoglobin.json", "observation-example-f001-glucose.json", "observation-example-f002-excess.json", "observation-example-f003-co2.json", "observation-example-f004-erythrocyte.json", "patient-example-f001-pieter.json" })
        {
            entries.Add(new JsonObject { ["resource"] = JsonNode.Parse(Fixtures.Fhir(f)) });
        }

        var result = FhirDeliveryReader.Read(Encoding.UTF8.GetBytes(bundle.ToJsonString()));
        var doc = Assert.Single(result.LabResults);
        Assert.Equal(
            [new PatientIdentifierCandidate("738472983", null, null, "urn:oid:2.16.840.1.113883.2.4.6.3")],
            doc.PatientIdentifiers);
        var panel = Assert.Single(doc.Panels);
        Assert.Empty(panel.UnresolvedResultReferences);
        Assert.Equal(["15074-8", "11555-0", "11557-6", "789-8", "718-7"], panel.Observations.Select(o => o.Code.Code!).ToArray());
        Assert.Equal([6.3m, 12.6m, 6.2m, 4.12m, 7.2m], panel.Observations.Select(o => o.Values[0].Number!.Value).ToArray());
    }

    [Fact]
    public void Lipid_bundle()
    {
        var doc = Assert.Single(Read("bundle-lipids.json").LabResults);
        Assert.Equal("lipids", doc.SourceId);
        Assert.Equal("Patient/pat2", doc.SubjectReference);
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("5234342", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("57698-3", "Lipid panel with direct LDL - Serum or Plasma", CodeSystems.Loinc), panel.Code);
        Assert.Equal(Instant.FromUtc(2011, 3, 3, 21, 30), panel.CollectedAt);
        Assert.Equal(Instant.FromUtc(2013, 1, 27, 0, 45, 33), panel.IssuedAt);
        Assert.Equal("Acme Laboratory, Inc", panel.ResponsibleSpecialist!.Display);
        Assert.Equal(4, panel.Observations.Count);
        var expected = new (string Code, decimal Value, decimal? Low, decimal? High)[]
        {
            ("35200-5", 6.3m, null, 4.5m), ("35217-9", 1.3m, null, 2.0m), ("2085-9", 1.3m, 1.5m, null), ("13457-7", 4.6m, null, 3.0m),
        };
        for (var i = 0; i < 4; i++)
        {
            var o = panel.Observations[i];
            Assert.Equal(expected[i].Code, o.Code.Code);
            Assert.Equal(expected[i].Value, o.Values[0].Number);
            Assert.Equal(Ucum("mmol/L", "mmol/L"), o.Unit);
            Assert.Equal(new ReferenceRange(expected[i].Low, expected[i].High, null), o.ReferenceRange);
            Assert.Empty(o.AbnormalFlags);
            Assert.Equal("final", o.ResultStatus);
        }

        Assert.Equal("HDL Cholesterol", panel.Observations[2].Code.Text);
    }

    [Fact]
    public void Immunization()
    {
        var v = Assert.Single(Read("immunization-example.json").Vaccinations);
        Assert.Equal("example", v.SourceId);
        Assert.Equal("Patient/example", v.SubjectReference);
        Assert.Equal("completed", v.Status);
        Assert.Equal(Instant.FromUtc(2013, 1, 9, 21, 0), v.OccurredAt);
        Assert.Equal(new CodedValue("FLUVAX", "Fluvax (Influenza)", "urn:oid:1.2.36.1.2001.1005.17"), v.VaccineCode);
        Assert.Equal("Fluvax (Influenza)", v.VaccineText);
        Assert.Equal("AAJN11K", v.LotNumber);
        Assert.Equal(new ResponsibleParty("Organization/hl7", null, null, null), v.Manufacturer);
        Assert.Null(v.DoseNumber);
        Assert.Equal(2, v.Performers.Count);
        Assert.All(v.Performers, p => Assert.Equal("Practitioner/example", p.Id));
    }

    [Theory]
    [InlineData("patient-example-f001-pieter.json", "Patient")]
    [InlineData("consent-example-signature.json", "Consent")]
    [InlineData("audit-event-example-login.json", "AuditEvent")]
    public void Non_deliverable_resources_are_refused(string file, string type)
    {
        var ex = Assert.Throws<FhirValidationException>(() => Read(file));
        var issue = Assert.Single(ex.Issues);
        Assert.Equal(new FhirIssue(
            FhirIssueSeverity.Error, "not-supported", type,
            $"{type} is not a deliverable resource: send a DiagnosticReport, Observation, Immunization, Composition, Condition or AllergyIntolerance, alone or in a Bundle"), issue);
    }
}
