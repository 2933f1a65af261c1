using System.Globalization;

namespace Ledger.EventStore;

/// <summary>What the writer believes about a stream's version before it appends.</summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -2;
    private const long NoStreamValue = -1;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>Append whatever the stream's version.</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(NoStreamValue);

    /// <summary>-2 for any, -1 for no stream, otherwise the exact version (0 = exists with no events never happens).</summary>
    public long Value { get; }

    public bool IsAny => Value == AnyValue;

    public bool IsNoStream => Value == NoStreamValue;

    /// <summary>The stream's version must be exactly <paramref name="version"/> (the number of its events).</summary>
    public static ExpectedVersion Exactly(long version) =>
        version >= 0 ? new ExpectedVersion(version) : throw new ArgumentOutOfRangeException(nameof(version), version, "a stream version is 0 or more");

    /// <summary>True when a stream at <paramref name="actual"/> (null: no stream) satisfies this expectation.</summary>
    public bool IsSatisfiedBy(long? actual) => Value switch
    {
        AnyValue => true,
        NoStreamValue => actual is null,
        _ => (actual ?? 0) == Value,
    };

    public override string ToString() => Value switch
    {
        AnyValue => "any",
        NoStreamValue => "no stream",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}
