using NodaTime;

namespace Ledger.Domain;

/// <summary>Small helpers shared by the deciders.</summary>
internal static class Decisions
{
    private static readonly DateTimeZone EarliestZone = DateTimeZone.ForOffset(Offset.FromHours(14));

    /// <summary>No events: the command changes nothing (e.g. an idempotent repeat).</summary>
    public static IReadOnlyList<TEvent> Nothing<TEvent>() => [];

    public static IReadOnlyList<TEvent> Emit<TEvent>(params TEvent[] events) => events;

    /// <summary>
    /// The latest calendar date anywhere on Earth at <paramref name="now"/> (UTC+14). A clinical date after it is in
    /// the future wherever it was written.
    /// </summary>
    public static LocalDate LatestToday(Instant now) => now.InZone(EarliestZone).Date;
}
