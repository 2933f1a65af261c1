using NodaTime;

namespace Ledger.Testing;

/// <summary>A clock that moves only when told to; thread-safe.</summary>
public sealed class FakeClock(Instant start) : IClock
{
    private readonly Lock gate = new();
    private Instant now = start;

    public static FakeClock At(int year, int month, int day) => new(Instant.FromUtc(year, month, day, 9, 0));

    public Instant GetCurrentInstant()
    {
        lock (gate)
        {
            return now;
        }
    }

    public void Advance(Duration by)
    {
        lock (gate)
        {
            now += by;
        }
    }

    public void Set(Instant to)
    {
        lock (gate)
        {
            now = to;
        }
    }
}
