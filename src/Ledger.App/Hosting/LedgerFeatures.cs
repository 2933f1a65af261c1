using Ledger.App.Health;

namespace Ledger.App.Hosting;

/// <summary>Every feature of the ledger, in one explicit list.</summary>
public static class LedgerFeatures
{
    public static IReadOnlyList<ILedgerFeature> All { get; } =
    [
        new HealthFeature(),
    ];
}
