using System.Text;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class FhirMedicalCardReaderTests
{
    private const string ConditionJson =
        """{"resourceType":"Condition","id":"c1","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"E11.9","display":"Сахарный диабет 2 типа"}]},"subject":{"reference":"Patient/p"},"onsetDateTime":"2019-05-14","recorder":{"display":"Петрова А. А."}}""";

    private const string ConditionXml =
        """<Condition xmlns="http://hl7.org/fhir"><id value="c1"/><clinicalStatus><coding><system value="http://terminology.hl7.org/CodeSystem/condition-clinical"/><code value="active"/></coding></clinicalStatus><code><coding><system value="http://hl7.org/fhir/sid/icd-10"/><code value="E11.9"/><display value="Сахарный диабет 2 типа"/></coding></code><subject><reference value="Patient/p"/></subject><onsetDateTime value="2019-05-14"/><recorder><display value="Петрова А. А."/></recorder></Condition>""";

    [Fact]
    public void A_condition_maps_the_same_from_json_and_xml()
    {
        var json = Assert.Single(FhirDeliveryReader.Read(Encoding.UTF8.GetBytes(ConditionJson)).Conditions);
        var xml = Assert.Single(FhirDeliveryReader.Read(Encoding.UTF8.GetBytes(ConditionXml), FhirFormat.Xml).Conditions);
        Assert.Equal(new CodedValue("E11.9", "Сахарный диабет 2 типа", "http://hl7.org/fhir/sid/icd-10"), json.Code);
        Assert.Equal("active", json.ClinicalStatus);
        Assert.Equal(new LocalDate(2019, 5, 14), json.Onset);
        Assert.Equal("Петрова А. А.", json.Recorder!.Display);
        Assert.Equal(json with { PatientIdentifiers = [] }, xml with { PatientIdentifiers = [] });
    }

    [Fact]
    public void An_allergy_in_a_bundle_keeps_type_category_and_reaction()
    {
        var bundle = """{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"AllergyIntolerance","id":"a1","type":"allergy","category":["medication"],"criticality":"high","code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005","display":"Allergy to penicillin"}]},"patient":{"reference":"Patient/p"},"reaction":[{"manifestation":[{"text":"крапивница"}]}]}}]}""";
        var allergy = Assert.Single(FhirDeliveryReader.Read(Encoding.UTF8.GetBytes(bundle)).Allergies);
        Assert.Equal(("allergy", "medication", "high", "крапивница"), (allergy.Type, allergy.Category, allergy.Criticality, allergy.Reaction));
        Assert.Equal(CodeSystems.Snomed, allergy.Code!.System);
    }

    [Fact]
    public void Malformed_xml_is_refused_naming_the_line()
    {
        var ex = Assert.Throws<FhirValidationException>(() => FhirDeliveryReader.Read(Encoding.UTF8.GetBytes("<Condition xmlns=\"http://hl7.org/fhir\">\n<id value=\"c1\"/>"), FhirFormat.Xml));
        var issue = Assert.Single(ex.Issues);
        Assert.Equal("structure", issue.Code);
        Assert.Equal(2, issue.Line);
        Assert.Contains("<", ex.ToOperationOutcome(FhirFormat.Xml), StringComparison.Ordinal);
    }

    [Fact]
    public void A_condition_without_code_or_text_is_refused_at_its_code()
    {
        var ex = Assert.Throws<FhirValidationException>(() => FhirDeliveryReader.Read("""{"resourceType":"Condition","subject":{"reference":"Patient/p"}}"""u8.ToArray()));
        Assert.Equal(("required", "Condition.code"), (ex.Issues[0].Code, ex.Issues[0].Expression));
    }
}
