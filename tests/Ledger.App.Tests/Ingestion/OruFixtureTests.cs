using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class OruFixtureTests
{
    private static LabResultDocument Load(string name) => OruMapper.Parse(Fixtures.Hl7(name));

    private static Instant Utc(int y, int mo, int d, int h, int mi, int s = 0) => Instant.FromUtc(y, mo, d, h, mi, s);

    [Fact]
    public void Rmgead_glucose_structured_numeric()
    {
        var doc = Load("fhir-converter_ORU-R01-RMGEAD.hl7");
        Assert.Equal(IngestSource.Hl7v2, doc.Source);
        Assert.Equal("CNTRL-3456", doc.SourceId);
        var id = Assert.Single(doc.PatientIdentifiers);
        Assert.Equal(new PatientIdentifierCandidate("555-44-4444", null, null, null), id);

        var panel = Assert.Single(doc.Panels);
        Assert.Equal("845439", panel.PlacerOrderNumber);
        Assert.Equal("1045813", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("15545", "GLUCOSE", null), panel.Code);
        Assert.Equal(Utc(2002, 2, 15, 1, 30), panel.CollectedAt);
        Assert.Null(panel.IssuedAt);
        Assert.Equal(new ReportStatus("F", ReportStatusKind.Final), panel.Status);
        Assert.False(panel.Status.IsCorrection);
        Assert.Null(panel.PrincipalInterpreter);
        Assert.Equal(new ResponsibleParty("555-55-5555", "PRIMARY", "PATRICIA P", "PRIMARY PATRICIA P"), panel.ResponsibleSpecialist);

        var obx = Assert.Single(panel.Observations);
        Assert.Equal("SN", obx.ValueType);
        Assert.Equal(new CodedValue("1554-5", "GLUCOSE", "POST 12H CFST:MCNC:PT:SER/PLAS:QN"), obx.Code);
        Assert.False(obx.Code.IsLoinc);
        Assert.Null(obx.AlternateCode);
        var value = Assert.Single(obx.Values);
        Assert.Equal(ObservationValueKind.StructuredNumeric, value.Kind);
        Assert.Equal(182m, value.Number);
        Assert.Equal(new StructuredNumeric(null, 182m, null, null), value.Structured);
        Assert.Equal("^182", value.Text);
        Assert.Equal(new UnitOfMeasure("mg/dl", null, CodeSystems.Ucum), obx.Unit);
        Assert.Equal(new ReferenceRange(null, null, "70_105"), obx.ReferenceRange);
        Assert.Equal(["H"], obx.AbnormalFlags);
        Assert.Equal("F", obx.ResultStatus);
        Assert.Null(obx.ObservedAt);
    }

    [Fact]
    public void Nist_sample_case6_three_string_results()
    {
        var doc = Load("ruby-hl7_nist_ORU_R01_2.5.1_SampleTestCase6.hl7");
        Assert.Equal("NIST-100929111015653", doc.SourceId);
        var id = Assert.Single(doc.PatientIdentifiers);
        Assert.Equal(new PatientIdentifierCandidate("987488015", "MPI", "MR", "urn:oid:2.16.840.1.113883.19.3.2.1"), id);
        var panel = Assert.Single(doc.Panels);
        Assert.Null(panel.PlacerOrderNumber);
        Assert.Equal("2233817", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("625-4", "Stool culture", CodeSystems.Loinc), panel.Code);
        Assert.Equal(Utc(2010, 7, 26, 8, 0), panel.CollectedAt);
        Assert.Equal(Utc(2010, 7, 29, 12, 0), panel.IssuedAt);
        Assert.Equal(ReportStatusKind.Final, panel.Status.Kind);
        Assert.Null(panel.ResponsibleSpecialist);
        Assert.Equal(3, panel.Observations.Count);
        string[] codes = ["6331-3", "20995-1", "17576-0"];
        string[] texts = ["Campylobacter Jejuni AB", "Salmonella", "Shigella"];
        string[] values = ["Isolated", "Isolated", "Not Isolated"];
        for (var i = 0; i < 3; i++)
        {
            var o = panel.Observations[i];
            Assert.Equal("ST", o.ValueType);
            Assert.Equal(new CodedValue(codes[i], texts[i], CodeSystems.Loinc), o.Code);
            Assert.True(o.Code.IsLoinc);
            Assert.Equal(ObservationValue.OfText(values[i]), Assert.Single(o.Values));
            Assert.Null(o.Unit);
            Assert.Null(o.ReferenceRange);
            Assert.Empty(o.AbnormalFlags);
            Assert.Equal("F", o.ResultStatus);
            Assert.Equal(Utc(2010, 7, 26, 8, 0), o.ObservedAt);
        }
    }

    [Fact]
    public void Lab_oru_1_bom_two_panels()
    {
        var doc = Load("fhir-converter_LAB-ORU-1.hl7");
        Assert.Equal("182", doc.SourceId);
        Assert.Equal(new PatientIdentifierCandidate("10006579", "1", "MR", null), Assert.Single(doc.PatientIdentifiers));
        Assert.Equal(2, doc.Panels.Count);

        var cbc = doc.Panels[0];
        Assert.Equal("88502218", cbc.PlacerOrderNumber);
        Assert.Equal("82503246", cbc.FillerOrderNumber);
        Assert.Equal(new CodedValue("24317-0", "Hemogram and platelet count, automated", CodeSystems.Loinc), cbc.Code);
        Assert.Null(cbc.CollectedAt);
        Assert.Null(cbc.IssuedAt);
        Assert.Equal(ReportStatusKind.Final, cbc.Status.Kind);
        Assert.Equal(new ResponsibleParty(null, "URO", null, "URO"), cbc.ResponsibleSpecialist);
        Assert.Equal(5, cbc.Observations.Count);
        var leuko = cbc.Observations[0];
        Assert.Equal(new CodedValue("11156-7", "LEUKOCYTES", CodeSystems.Loinc), leuko.Code);
        Assert.Empty(leuko.Values);
        Assert.Equal("I", leuko.ResultStatus);
        var ery = cbc.Observations[1];
        Assert.Equal("NM", ery.ValueType);
        Assert.Equal(4.06m, Assert.Single(ery.Values).Number);
        Assert.Equal(new UnitOfMeasure("tera.l-1", null, CodeSystems.Ucum), ery.Unit);
        Assert.Equal(["N"], ery.AbnormalFlags);
        Assert.Equal("P", ery.ResultStatus);
        Assert.Equal(Utc(2014, 10, 5, 23, 27), ery.ObservedAt);
        Assert.Equal(40.1m, cbc.Observations[3].Values[0].Number);
        Assert.Equal(221m, cbc.Observations[4].Values[0].Number);
        Assert.Equal("F", cbc.Observations[4].ResultStatus);

        var diff = doc.Panels[1];
        Assert.Equal("855238581", diff.PlacerOrderNumber);
        Assert.Equal("26464-8", diff.Code!.Code);
        Assert.Equal(new ReportStatus(null, ReportStatusKind.Other), diff.Status);
        Assert.Equal(
            [("23761-0", 72m), ("26450-7", 2m), ("26478-8", 20m), ("26485-3", 6m), ("30180-4", 0m)],
            diff.Observations.Select(o => (o.Code.Code!, o.Values[0].Number!.Value)).ToArray());
        Assert.All(diff.Observations, o => Assert.Equal("%", o.Unit!.Code));
    }

    [Fact]
    public void Lri_cbc_28_observations()
    {
        var doc = Load("fhir-converter_LRI_2.0-NG_CBC_Typ_Message.hl7");
        Assert.Equal(new PatientIdentifierCandidate("PATID1234", "NIST MPI", "MR", null), Assert.Single(doc.PatientIdentifiers));
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("ORD666555", panel.PlacerOrderNumber);
        Assert.Equal("R-991133", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("57021-8", "CBC W Auto Differential panel in Blood", CodeSystems.Loinc), panel.Code);
        Assert.Equal(Utc(2011, 1, 3, 22, 34, 28), panel.CollectedAt);
        Assert.Equal(Utc(2011, 1, 5, 1, 0, 28), panel.IssuedAt);
        Assert.Equal(new ResponsibleParty("57422", "Radon", "Nicholas", "Radon Nicholas"), panel.OrderingProvider);
        Assert.Equal(28, panel.Observations.Count);

        var hgb = panel.Observations[1];
        Assert.Equal(new CodedValue("718-7", "Hemoglobin [Mass/volume] in Blood", CodeSystems.Loinc), hgb.Code);
        Assert.Equal(12.5m, hgb.Values[0].Number);
        Assert.Equal(new UnitOfMeasure("g/mL", "grams per milliliter", CodeSystems.Ucum), hgb.Unit);
        Assert.Equal(new ReferenceRange(13m, 18m, "13 to 18"), hgb.ReferenceRange);
        Assert.Equal(["L"], hgb.AbnormalFlags);
        Assert.Equal(Utc(2011, 1, 3, 22, 34, 28), hgb.ObservedAt);

        var wbc = panel.Observations[3];
        Assert.Equal(105600m, wbc.Values[0].Number);
        Assert.Equal("{cells}/uL", wbc.Unit!.Code);
        Assert.Equal(["HH"], wbc.AbnormalFlags);

        var aniso = panel.Observations[19];
        Assert.Equal("CWE", aniso.ValueType);
        Assert.Equal(ObservationValue.OfCoded(new CodedValue("260348001", "Present ++ out of ++++", CodeSystems.Snomed)), aniso.Values[0]);
        Assert.Equal(["A"], aniso.AbnormalFlags);

        var morph = panel.Observations[27];
        Assert.Equal("TX", morph.ValueType);
        Assert.Equal("Platelets show defective granulation.", morph.Values[0].Text);
    }

    [Fact]
    public void Hapi_extract_alternate_loinc_and_subcomponent_ranges()
    {
        var doc = Load("hapi-hl7v2_example_oml_o21_ORU_R01-extract.hl7");
        Assert.Equal("LAB562901", doc.SourceId);
        Assert.Equal(new PatientIdentifierCandidate("123456", null, "DNI", null), Assert.Single(doc.PatientIdentifiers));
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("P999999/5", panel.PlacerOrderNumber);
        Assert.Null(panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("123", "HEMOGRAMA", "LAB_COD"), panel.Code);
        Assert.Equal(new ReportStatus(null, ReportStatusKind.Other), panel.Status);
        Assert.Equal(5, panel.Observations.Count);

        var hgb = panel.Observations[0];
        Assert.Equal(new CodedValue("4546-8", "HEMOGLOBIN:MCNC:PT:BLD:QN", CodeSystems.Loinc), hgb.Code);
        Assert.Equal(new CodedValue("470", "HEMOGLOBINA SANGRE TOTAL", "LAB_COD"), hgb.AlternateCode);
        Assert.Equal(14.31m, hgb.Values[0].Number);
        Assert.Equal("g/dL", hgb.Unit!.Code);
        Assert.Null(hgb.ReferenceRange);
        Assert.Empty(hgb.AbnormalFlags);
        Assert.Equal("F", hgb.ResultStatus);

        Assert.Equal(new CodedValue("466", "HEMATOCRITO", "LAB_COD"), panel.Observations[1].AlternateCode);
        Assert.Equal(new ReferenceRange(4.50m, 5.90m, "4.50&5.90"), panel.Observations[2].ReferenceRange);
        Assert.Equal(4.46m, panel.Observations[2].Values[0].Number);
        var wbc = panel.Observations[3];
        Assert.Equal(7350.00m, wbc.Values[0].Number);
        Assert.Equal("7350.00", wbc.Values[0].Number!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new ReferenceRange(0.00m, 10000.00m, "0.00&10000.00"), wbc.ReferenceRange);
        Assert.Equal("750-0", panel.Observations[4].Code.Code);
        Assert.Equal(0.00m, panel.Observations[4].Values[0].Number);
    }

    [Fact]
    public void Athena_panel_without_observations_is_a_correction()
    {
        var doc = Load("node-hl7-complete_athena-oru-example.hl7");
        Assert.Equal("20087.3", doc.SourceId);
        Assert.Equal(
            [
                new PatientIdentifierCandidate("V001047", null, "MR", null),
                new PatientIdentifierCandidate("T00001059", null, "XX", null),
                new PatientIdentifierCandidate("V00018739", null, "AN", null),
            ],
            doc.PatientIdentifiers);
        Assert.Equal(["testing"], doc.Comments);
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("1618-1", panel.PlacerOrderNumber);
        Assert.Equal("1023:RC00001R-1", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("AMY", "AMYLASE", "L"), panel.Code);
        Assert.Equal(Utc(2014, 10, 23, 19, 22), panel.CollectedAt);
        Assert.Equal(Utc(2014, 10, 23, 19, 32), panel.IssuedAt);
        Assert.True(panel.Status.IsCorrection);
        Assert.Equal("C", panel.Status.Code);
        Assert.Equal(new ResponsibleParty("SMIJ", "SMITH", "JOHN", "SMITH JOHN"), panel.ResponsibleSpecialist);
        Assert.Empty(panel.Observations);
    }
}
