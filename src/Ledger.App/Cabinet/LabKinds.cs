using Ledger.Domain.Results;

namespace Ledger.App.Cabinet;

/// <summary>
/// The kind of a laboratory report (blood, urine, biochemistry, other), derived from LOINC codes: a panel code
/// decides first; otherwise the kind most of the report's LOINC observation codes map to; otherwise <c>other</c>.
/// Local (non-LOINC) codes are not mapped. The table is deliberately small and lists common codes only; see docs/api.md.
/// </summary>
public static class LabKinds
{
    public const string Blood = "blood";
    public const string Urine = "urine";
    public const string Biochemistry = "biochemistry";
    public const string Other = "other";

    private static readonly Dictionary<string, string> Codes = new(StringComparer.Ordinal)
    {
        // Panels
        ["58410-2"] = Blood, // CBC panel - Blood by Automated count
        ["57021-8"] = Blood, // CBC W Auto Differential panel - Blood
        ["57782-5"] = Blood, // CBC with platelets panel
        ["24357-6"] = Urine, // Urinalysis macro (dipstick) panel - Urine
        ["24356-8"] = Urine, // Urinalysis complete panel - Urine
        ["24323-8"] = Biochemistry, // Comprehensive metabolic 2000 panel
        ["51990-0"] = Biochemistry, // Basic metabolic panel - Blood
        ["24331-1"] = Biochemistry, // Lipid 1996 panel
        ["57698-3"] = Biochemistry, // Lipid panel with direct LDL
        ["24325-3"] = Biochemistry, // Hepatic function 2000 panel

        // Haematology
        ["718-7"] = Blood, // Hemoglobin [Mass/volume] in Blood
        ["789-8"] = Blood, // Erythrocytes [#/volume] in Blood
        ["6690-2"] = Blood, // Leukocytes [#/volume] in Blood
        ["777-3"] = Blood, // Platelets [#/volume] in Blood
        ["4544-3"] = Blood, // Hematocrit
        ["787-2"] = Blood, // MCV
        ["785-6"] = Blood, // MCH
        ["786-4"] = Blood, // MCHC
        ["4537-7"] = Blood, // ESR (Westergren)
        ["30341-2"] = Blood, // ESR

        // Urine
        ["5811-5"] = Urine, // Specific gravity of Urine
        ["5803-2"] = Urine, // pH of Urine
        ["5804-0"] = Urine, // Protein [Mass/volume] in Urine
        ["5792-7"] = Urine, // Glucose [Mass/volume] in Urine
        ["5821-4"] = Urine, // Leukocytes [#/area] in Urine sediment
        ["13945-1"] = Urine, // Erythrocytes [#/area] in Urine sediment

        // Biochemistry
        ["2345-7"] = Biochemistry, // Glucose [Mass/volume] in Serum or Plasma
        ["2339-0"] = Biochemistry, // Glucose [Mass/volume] in Blood
        ["2093-3"] = Biochemistry, // Cholesterol
        ["2571-8"] = Biochemistry, // Triglyceride
        ["2085-9"] = Biochemistry, // HDL cholesterol
        ["13457-7"] = Biochemistry, // LDL cholesterol (calculated)
        ["2160-0"] = Biochemistry, // Creatinine
        ["3094-0"] = Biochemistry, // Urea nitrogen
        ["1742-6"] = Biochemistry, // ALT
        ["1920-8"] = Biochemistry, // AST
        ["1975-2"] = Biochemistry, // Bilirubin total
        ["2823-3"] = Biochemistry, // Potassium
        ["2951-2"] = Biochemistry, // Sodium
        ["4548-4"] = Biochemistry, // Hemoglobin A1c
        ["3016-3"] = Biochemistry, // TSH
    };

    public static string Of(LabReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var panel in report.Panels)
        {
            if (panel.Code is { System: ObservationCode.LoincSystem } code && Codes.TryGetValue(code.Code, out var kind))
            {
                return kind;
            }
        }

        var votes = report.Panels
            .SelectMany(p => p.Observations)
            .Where(o => o.Code.System == ObservationCode.LoincSystem)
            .Select(o => Codes.GetValueOrDefault(o.Code.Code))
            .OfType<string>()
            .GroupBy(k => k, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        return votes?.Key ?? Other;
    }
}
