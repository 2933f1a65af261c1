namespace Ledger.App.Hosting;

/// <summary>Where Wolverine's handler code comes from in this build.</summary>
public static class LedgerCode
{
#if DEBUG
    /// <summary>Debug builds generate handler code at run time (WolverineFx.RuntimeCompilation is referenced).</summary>
    public const JasperFx.CodeGeneration.TypeLoadMode DefaultMode = JasperFx.CodeGeneration.TypeLoadMode.Dynamic;
#else
    /// <summary>Release builds load the handler code generated beforehand into <c>Internal/Generated</c>.</summary>
    public const JasperFx.CodeGeneration.TypeLoadMode DefaultMode = JasperFx.CodeGeneration.TypeLoadMode.Static;
#endif
}
