using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Xunit;

namespace Ledger.App.Tests.Cabinet;

public sealed class LabKindTests
{
    private static LabObservation Observation(string loinc) =>
        new(ObservationCode.Loinc(LoincCode.Parse(loinc)), "x", 1m, null, UcumUnit.Parse("1"), null, null, ObservationStatus.Final, null);

    private static LabReport With(ObservationCode? panel, params string[] codes) =>
        Seed.Report() with { Panels = [new LabPanel(panel, "panel", codes.Select(Observation).ToList())] };

    [Theory]
    [InlineData("58410-2", new[] { "2345-7" }, "blood")]
    [InlineData("24357-6", new[] { "718-7" }, "urine")]
    [InlineData("24331-1", new string[0], "biochemistry")]
    [InlineData(null, new[] { "718-7", "789-8", "2345-7" }, "blood")]
    [InlineData(null, new[] { "5811-5", "5803-2" }, "urine")]
    [InlineData(null, new[] { "2093-3" }, "biochemistry")]
    [InlineData(null, new[] { "1-8" }, "other")]
    public void A_panel_code_decides_first_then_the_majority_of_observation_codes(string? panel, string[] codes, string kind)
    {
        var report = With(panel is null ? null : ObservationCode.Loinc(LoincCode.Parse(panel)), codes);

        Assert.Equal(kind, LabKinds.Of(report));
    }

    [Fact]
    public void Local_codes_are_not_mapped() =>
        Assert.Equal("other", LabKinds.Of(Seed.Report() with
        {
            Panels = [new LabPanel(ObservationCode.Local("urn:lab", "CBC"), "ОАК", [new LabObservation(ObservationCode.Local("urn:lab", "HGB"), "Hb", 1m, null, UcumUnit.Parse("g/L"), null, null, ObservationStatus.Final, null)])],
        }));

    [Theory]
    [InlineData("view document", "10.1.2.3")]
    [InlineData("view | document", "::1")]
    [InlineData("audit", null)]
    public void The_source_address_travels_in_the_purpose_and_comes_back(string purpose, string? source) =>
        Assert.Equal((purpose, source), AccessPurpose.Split(AccessPurpose.Compose(purpose, source)));
}
