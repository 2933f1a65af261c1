namespace Ledger.Domain;

/// <summary>Small helpers shared by the deciders.</summary>
internal static class Decisions
{
    public static readonly IReadOnlyList<object> Nothing = [];

    public static IReadOnlyList<object> Emit(params object[] events) => events;

    public static DomainRejection Reject(string code, string message) => new(code, message);
}
