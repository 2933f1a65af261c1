using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>The public-health (CDC) ORU fixtures, field by field.</summary>
public sealed class OruPublicHealthFixtureTests
{
    private static LabResultDocument Load(string name) => OruMapper.Parse(Fixtures.Hl7(name));

    [Fact]
    public void Hhs_231_sixteen_comments_under_first_observation()
    {
        var doc = Load("cdc-dex_2.3.1_HL7_Test_File_with_HHS_Data.hl7");
        Assert.Equal("1594399515T229800047", doc.SourceId);
        Assert.Equal(new PatientIdentifierCandidate("abc123", "WDL", "PI", "52D0391886"), Assert.Single(doc.PatientIdentifiers));
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("abc123", panel.PlacerOrderNumber);
        Assert.Equal("abc123", panel.FillerOrderNumber);
        Assert.Equal(new CodedValue("3556190", "SARS-CoV-2 (2019-nCoV) Nucleic Acid Amplified Test", "L"), panel.Code);
        Assert.Equal(Instant.FromUtc(2020, 7, 30, 5, 38), panel.CollectedAt);
        Assert.Equal(Instant.FromUtc(2020, 7, 30, 6, 48, 9), panel.IssuedAt);
        Assert.Equal(new ResponsibleParty("1407218175", "Hartleben", "Elyse", "Hartleben Elyse"), panel.OrderingProvider);
        Assert.Equal(8, panel.Observations.Count);

        var first = panel.Observations[0];
        Assert.Equal(new CodedValue("41458-1", "SARS-CoV RNA XXX Ql NAA+probe", CodeSystems.Loinc), first.Code);
        Assert.Equal(new CodedValue("3556190", "Coronavirus COVID-19 Result", "L"), first.AlternateCode);
        Assert.Equal("Not Detected", first.Values[0].Text);
        Assert.Equal(new ReferenceRange(null, null, "Not Detected"), first.ReferenceRange);
        Assert.Equal(16, first.Comments.Count);
        Assert.Equal("Not Detected results do not preclude SARS-CoV-2 infection and should", first.Comments[0]);
        Assert.Equal("", first.Comments[3]);
        Assert.Equal("complexity clinical laboratory testing.", first.Comments[15]);
        Assert.Empty(panel.Comments);

        var onset = panel.Observations[5];
        Assert.Equal("TX", onset.ValueType);
        Assert.Equal("01/Jun/2020 05:05:00:00", onset.Values[0].Text);
        Assert.Equal("No", panel.Observations[7].Values[0].Text);
    }

    [Fact]
    public void Celr_tx_three_panels_with_sn_dt_ce_cx()
    {
        var doc = Load("cdc-dex_CELR_TX_ATVersion231.hl7");
        Assert.Equal(
            new PatientIdentifierCandidate("ALT231_EPIOBX_PID", "GA LabWare.Prod", "PI", "urn:oid:2.16.840.1.114222.4.3.3.8.2.1"),
            Assert.Single(doc.PatientIdentifiers));
        Assert.Equal([6, 2, 4], doc.Panels.Select(p => p.Observations.Count).ToArray());
        var first = doc.Panels[0];
        Assert.Equal("02136986", first.PlacerOrderNumber);
        Assert.Equal("AprTil_V2.3.1_1", first.FillerOrderNumber);
        Assert.Equal(new CodedValue("COV19", "COVID19, SARS-CoV-2", "L"), first.Code);
        Assert.Equal(Instant.FromUtc(2021, 4, 4, 22, 23), first.CollectedAt);

        var age = first.Observations[0];
        Assert.Equal("SN", age.ValueType);
        Assert.Equal(39m, age.Values[0].Number);
        Assert.Equal(new UnitOfMeasure("a", "year", CodeSystems.Ucum), age.Unit);
        Assert.Equal(ObservationValue.OfText("20200228"), first.Observations[1].Values[0]);
        Assert.Equal(new CodedValue("Y", "Yes", "HL70136"), first.Observations[2].Values[0].Coded);

        var second = doc.Panels[1];
        Assert.Equal(new CodedValue("94309-2", "SARS-CoV-2 RNA XXX NAA+probe-Imp", CodeSystems.Loinc), second.Code);
        Assert.Equal(Instant.FromUtc(2020, 3, 20, 1, 3, 26), second.IssuedAt);
        Assert.Equal("CX", second.Observations[0].ValueType);
        Assert.Equal("LGZKXXR5^^^GA LabWare.Prod&2.16.840.1.114222.4.3.3.8.2.1&ISO", second.Observations[0].Values[0].Text);
        var detected = second.Observations[1];
        Assert.Equal(new CodedValue("260373001", "Detected", CodeSystems.Snomed), detected.Values[0].Coded);
        Assert.Equal(Instant.FromUtc(2020, 3, 20, 0, 31, 38), detected.ObservedAt);
        Assert.Equal(["94307-6", "94308-4", "68993-5"], doc.Panels[2].Observations.Skip(1).Select(o => o.Code.Code!).ToArray());
    }

    [Fact]
    public void Mi_v23_comments_on_order_and_observation()
    {
        var doc = Load("cdc-dex_MI_v23_Valid_2.hl7");
        Assert.Equal(2, doc.PatientIdentifiers.Count);
        Assert.All(doc.PatientIdentifiers, p => Assert.Equal("52D0669558@321400@20200325091430", p.Value));
        var panel = Assert.Single(doc.Panels);
        Assert.Equal("20VR011945", panel.PlacerOrderNumber);
        Assert.Equal(new CodedValue("VR01746", "2019 NOVEL CORONAVIRUS PCR-EUA", "L"), panel.Code);
        Assert.Equal(5, panel.Comments.Count);
        Assert.StartsWith("This specimen has been deemed lower priority", panel.Comments[0], StringComparison.Ordinal);
        Assert.Equal("", panel.Comments[1]);
        Assert.Equal("", panel.Comments[3]);
        var obx = Assert.Single(panel.Observations);
        Assert.Equal("Not performed", obx.Values[0].Text);
        Assert.Equal(new CodedValue("94309-2", "2019-nCoV RNA XXX NAA+probe-Imp", CodeSystems.Loinc), obx.Code);
        Assert.Equal(["ELR redirect from Wisconsin: this message was sent to  MI not retained by Wisconsin."], obx.Comments);
    }

    [Fact]
    public void Caselab_field_escapes_and_equals_comparator()
    {
        var doc = Load("cdc-dex_CaseLab_002.hl7");
        Assert.Equal(2, doc.Panels.Count);
        var epi = doc.Panels[0];
        Assert.True(epi.Status.IsCorrection);
        Assert.Equal(24, epi.Observations.Count);
        var age = epi.Observations[4];
        Assert.Equal(new StructuredNumeric("=", 21m, null, null), age.Values[0].Structured);
        Assert.Equal(21m, age.Values[0].Number);
        Assert.Equal(new UnitOfMeasure("a", "year [time]", CodeSystems.Ucum), age.Unit);
        Assert.Equal("1", epi.Observations[1].Values[0].Text);

        var lab = doc.Panels[1];
        var obx = Assert.Single(lab.Observations);
        Assert.Equal("C trach rRNA XXX Ql NAA+probe   ||  Chlamydia trachomatis rRNA: Probe.amp.tar", obx.Code.Text);
        Assert.Equal(new CodedValue("10828004", "Positive", CodeSystems.Snomed), obx.Values[0].Coded);
        Assert.Equal(new ReferenceRange(null, null, "Negative"), obx.ReferenceRange);
    }

    [Fact]
    public void Tuleremia_keeps_no_break_spaces()
    {
        var doc = Load("cdc-dex_Tuleremia.hl7");
        Assert.Equal([0, 30], doc.Panels.Select(p => p.Observations.Count).ToArray());
        Assert.Equal(new ReportStatus("X", ReportStatusKind.Other), doc.Panels[0].Status);
        Assert.Equal("Person\u00A0Subject", doc.Panels[0].Code!.Text);
        var age = doc.Panels[1].Observations[7];
        Assert.Equal(60m, age.Values[0].Number);
        Assert.Equal(new UnitOfMeasure("a", "Years", CodeSystems.Ucum), age.Unit);
        Assert.Empty(doc.Panels[1].Observations[13].Values);
        Assert.Equal("Case\u00A0Jurisdiction\u00A0Code", doc.Panels[1].Observations[0].Code.Text);
    }

    [Fact]
    public void Celr_raw_five_encoding_characters_and_mojibake_kept()
    {
        var doc = Load("cdc-dex_RawHL7DataCELR.hl7");
        Assert.Equal([0, 3, 1], doc.Panels.Select(p => p.Observations.Count).ToArray());
        Assert.Equal(10m, doc.Panels[1].Observations[0].Values[0].Number);
        var covid = doc.Panels[2];
        Assert.Equal(2, covid.Comments.Count);
        Assert.Contains("Administration\u00E2\u0080\u0099s Emergency", covid.Comments[0], StringComparison.Ordinal);
        Assert.Equal(["A"], covid.Observations[0].AbnormalFlags);
    }
}
