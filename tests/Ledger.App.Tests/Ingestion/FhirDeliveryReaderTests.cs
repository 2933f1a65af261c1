using System.Text;
using System.Text.Json;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class FhirDeliveryReaderTests
{
    private static FhirIngestResult Read(string json, FhirDeliveryOptions? options = null) =>
        FhirDeliveryReader.Read(Encoding.UTF8.GetBytes(json), options);

    private static FhirValidationException Fails(string json, FhirDeliveryOptions? options = null) =>
        Assert.Throws<FhirValidationException>(() => Read(json, options));

    private const string Glucose =
        """{"resourceType":"Observation","id":"g","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}]},"valueQuantity":{"value":6.30,"unit":"mmol/l","system":"http://unitsofmeasure.org","code":"mmol/L"}}""";

    [Fact]
    public void Imaging_report_with_presented_form()
    {
        var pdf = Convert.ToBase64String("%PDF-1.4 test"u8.ToArray());
        var json = $$$"""
            {"resourceType":"Bundle","type":"document","entry":[
              {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"123-456-789 64"},{"system":"urn:oid:1.2.643.5.1.13.2.1.1.2","value":"7700000000000000"}]}},
              {"resource":{"resourceType":"DiagnosticReport","id":"ct1","status":"amended",
                "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
                "code":{"coding":[{"system":"http://loinc.org","code":"24627-2","display":"CT Chest"}]},
                "subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2024-03-01T10:00:00+03:00","issued":"2024-03-01T12:00:00Z",
                "conclusion":"No focal lesions.","resultsInterpreter":[{"reference":"Practitioner/r1","display":"Иванов И. И."}],
                "presentedForm":[{"contentType":"application/pdf","data":"{{{pdf}}}","title":"Протокол КТ"}]}}]}
            """;
        var study = Assert.Single(Read(json).InstrumentalStudies);
        Assert.Equal("ct1", study.SourceId);
        Assert.Equal(new CodedValue("24627-2", "CT Chest", CodeSystems.Loinc), study.Code);
        Assert.True(study.Status.IsCorrection);
        Assert.Equal(Instant.FromUtc(2024, 3, 1, 7, 0), study.EffectiveAt);
        Assert.Equal(Instant.FromUtc(2024, 3, 1, 12, 0), study.IssuedAt);
        Assert.Equal("No focal lesions.", study.Conclusion);
        Assert.Equal("Иванов И. И.", study.ResponsibleSpecialist!.Display);
        var form = Assert.Single(study.PresentedForms);
        Assert.Equal("application/pdf", form.ContentType);
        Assert.Equal("Протокол КТ", form.Title);
        Assert.Equal("%PDF-1.4 test"u8.ToArray(), form.Data.ToArray());
        Assert.Equal(
            [PatientIdentifierKind.Snils, PatientIdentifierKind.Enp],
            study.PatientIdentifiers.Select(PatientIdentifierSystems.Recognise).ToArray());
    }

    [Fact]
    public void Composition_visit_protocol()
    {
        var json = """
            {"resourceType":"Composition","id":"v1","status":"final",
             "type":{"coding":[{"system":"http://loinc.org","code":"11506-3","display":"Progress note"}]},
             "subject":{"identifier":{"system":"https://ledger.example/fhir/sid/snils","value":"11223344595"}},
             "date":"2024-02-03T09:15:00+03:00","title":"Приём терапевта",
             "author":[{"reference":"Practitioner/d1","display":"Петрова А. А."}],
             "section":[{"title":"Жалобы","code":{"coding":[{"system":"http://loinc.org","code":"10154-3"}]},"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Кашель</div>"}},
                        {"title":"Заключение"}]}
            """;
        var protocol = Assert.Single(Read(json).VisitProtocols);
        Assert.Equal("v1", protocol.SourceId);
        Assert.Equal("final", protocol.Status);
        Assert.Equal(new CodedValue("11506-3", "Progress note", CodeSystems.Loinc), protocol.Type);
        Assert.Equal("Приём терапевта", protocol.Title);
        Assert.Equal(Instant.FromUtc(2024, 2, 3, 6, 15), protocol.Date);
        Assert.Equal([new ResponsibleParty("Practitioner/d1", null, null, "Петрова А. А.")], protocol.Authors);
        Assert.Equal(2, protocol.Sections.Count);
        Assert.Equal("<div xmlns=\"http://www.w3.org/1999/xhtml\">Кашель</div>", protocol.Sections[0].Text);
        Assert.Equal(new CodedValue("10154-3", null, CodeSystems.Loinc), protocol.Sections[0].Code);
        Assert.Null(protocol.Sections[1].Text);
        var id = Assert.Single(protocol.PatientIdentifiers);
        Assert.Equal(PatientIdentifierKind.Snils, PatientIdentifierSystems.Recognise(id));
    }

    [Fact]
    public void Contained_observation_and_comparator()
    {
        var json = """
            {"resourceType":"DiagnosticReport","id":"r","status":"preliminary",
             "category":[{"coding":[{"code":"LAB"}]}],"code":{"text":"CRP"},
             "contained":[{"resourceType":"Observation","id":"o1","status":"preliminary",
               "code":{"coding":[{"system":"urn:local","code":"CRP1","display":"C-reactive protein"},{"system":"http://loinc.org","code":"1988-5"}]},
               "valueQuantity":{"value":5,"comparator":"<","unit":"mg/L","code":"mg/L","system":"http://unitsofmeasure.org"},
               "interpretation":[{"coding":[{"code":"N"}]}],"note":[{"text":"hemolysed"}],
               "effectiveDateTime":"2024-01-01"}],
             "result":[{"reference":"#o1"}]}
            """;
        var panel = Assert.Single(Assert.Single(Read(json).LabResults).Panels);
        Assert.Equal(ReportStatusKind.Preliminary, panel.Status.Kind);
        Assert.Equal(new CodedValue(null, "CRP", null), panel.Code);
        var obs = Assert.Single(panel.Observations);
        Assert.Equal(new CodedValue("1988-5", null, CodeSystems.Loinc), obs.Code);
        Assert.Equal(new CodedValue("CRP1", "C-reactive protein", "urn:local"), obs.AlternateCode);
        var v = Assert.Single(obs.Values);
        Assert.Equal(ObservationValueKind.StructuredNumeric, v.Kind);
        Assert.Null(v.Number);
        Assert.Equal(new StructuredNumeric("<", 5m, null, null), v.Structured);
        Assert.Equal(["N"], obs.AbnormalFlags);
        Assert.Equal(["hemolysed"], obs.Comments);
        Assert.Equal(Instant.FromUtc(2023, 12, 31, 21, 0), obs.ObservedAt);
    }

    [Fact]
    public void Value_string_and_codeable_concept()
    {
        var json = """
            {"resourceType":"Bundle","type":"collection","entry":[
             {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"94500-6"}]},
               "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260385009","display":"Negative"}]}}},
             {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8251-1"}]},
               "valueString":"clear"}}]}
            """;
        var labs = Read(json).LabResults;
        Assert.Equal(2, labs.Count);
        Assert.Equal(new CodedValue("260385009", "Negative", CodeSystems.Snomed), labs[0].Panels[0].Observations[0].Values[0].Coded);
        Assert.Equal("clear", labs[1].Panels[0].Observations[0].Values[0].Text);
        Assert.Equal("string", labs[1].Panels[0].Observations[0].ValueType);
    }

    [Fact]
    public void Issues_carry_fhirpath_locations()
    {
        var json = """
            {"resourceType":"Bundle","type":"collection","entry":[
             {"resource":{"resourceType":"Patient"}},
             {"resource":{"resourceType":"AuditEvent"}},
             {"resource":{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"1"}]},"valueQuantity":{"value":"6.3"}}},
             {"resource":{"resourceType":"Observation","status":"final","code":{},"effectiveDateTime":"yesterday","valueQuantity":{"value":1e999}}},
             {"fullUrl":"x"}]}
            """;
        var ex = Fails(json);
        var found = ex.Issues.Select(i => (i.Code, i.Expression)).ToArray();
        Assert.Contains(("not-supported", "Bundle.entry[1].resource.resourceType"), found);
        Assert.Contains(("required", "Bundle.entry[2].resource.status"), found);
        Assert.Contains(("structure", "Bundle.entry[2].resource.value.value"), found);
        Assert.Contains(("required", "Bundle.entry[3].resource.code.coding"), found);
        Assert.Contains(("value", "Bundle.entry[3].resource.effective"), found);
        Assert.Contains(("value", "Bundle.entry[3].resource.value.value"), found);
        Assert.Contains(("required", "Bundle.entry[4].resource"), found);
        Assert.Equal(7, ex.Issues.Count);
        Assert.All(ex.Issues, i => Assert.Equal(FhirIssueSeverity.Error, i.Severity));
    }

    [Fact]
    public void Operation_outcome_rendering()
    {
        var ex = Fails("""{"resourceType":"Observation","status":"final","code":{"coding":[{"code":"x"}]},"valueQuantity":{"value":true}}""");
        using var doc = JsonDocument.Parse(ex.ToOperationOutcomeJson());
        Assert.Equal("OperationOutcome", doc.RootElement.GetProperty("resourceType").GetString());
        var issue = Assert.Single(doc.RootElement.GetProperty("issue").EnumerateArray());
        Assert.Equal("error", issue.GetProperty("severity").GetString());
        Assert.Equal("structure", issue.GetProperty("code").GetString());
        Assert.Equal("must be a JSON number", issue.GetProperty("diagnostics").GetString());
        Assert.Equal("Observation.value.value", issue.GetProperty("expression")[0].GetString());
    }

    [Theory]
    [InlineData("", "structure")]
    [InlineData("{", "structure")]
    [InlineData("[]", "structure")]
    [InlineData("{\"id\":1}", "required")]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[]}", "not-supported")]
    [InlineData("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", "required")]
    [InlineData("{\"resourceType\":\"DiagnosticReport\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}", "not-supported")]
    public void Refusals(string json, string code)
    {
        Assert.Equal(code, Fails(json).Issues[0].Code);
    }

    [Fact]
    public void Limits()
    {
        var deep = new string('[', 100) + new string(']', 100);
        var ex = Fails("{\"resourceType\":\"Observation\",\"x\":" + deep + "}");
        Assert.True(ex.IsLimit);
        ex = Fails(Glucose, new FhirDeliveryOptions { MaxBytes = 10 });
        Assert.True(ex.IsLimit);
        var entries = string.Join(",", Enumerable.Repeat("{\"resource\":" + Glucose + "}", 3));
        ex = Fails("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + entries + "]}", new FhirDeliveryOptions { MaxEntries = 2 });
        Assert.Equal(("too-costly", "Bundle.entry"), (ex.Issues[0].Code, ex.Issues[0].Expression));
        ex = Fails("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + entries + "]}", new FhirDeliveryOptions { MaxObservations = 2 });
        Assert.True(ex.IsLimit);
    }

    [Fact]
    public void Decimal_precision_is_kept_from_the_json_text()
    {
        var obs = Read(Glucose).LabResults[0].Panels[0].Observations[0];
        Assert.Equal("6.30", obs.Values[0].Number!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var big = Read(Glucose.Replace("6.30", "0.1000000000000000000000000001", StringComparison.Ordinal)).LabResults[0];
        Assert.Equal(0.1000000000000000000000000001m, big.Panels[0].Observations[0].Values[0].Number);
    }

    [Fact]
    public void Bom_and_invalid_utf8()
    {
        byte[] withBom = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Glucose)];
        Assert.Single(FhirDeliveryReader.Read(withBom).LabResults);
        byte[] bad = [.. Encoding.UTF8.GetBytes(Glucose)[..^2], 0xFF, .. "}}"u8];
        Assert.Equal("document is not valid UTF-8", Assert.Throws<FhirValidationException>(() => FhirDeliveryReader.Read(bad)).Issues[0].Message);
        var surrogate = Glucose.Replace("\"g\"", "\"\\uD800\"", StringComparison.Ordinal);
        Assert.Equal("value", Fails(surrogate).Issues[0].Code);
    }
}
