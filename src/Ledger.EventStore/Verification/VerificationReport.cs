using System.Text;
using Ledger.EventStore.Hashing;
using Npgsql;

namespace Ledger.EventStore.Verification;

/// <summary>What verify found wrong with one row.</summary>
public enum IssueKind
{
    /// <summary>The row's content no longer matches its hash: it was changed.</summary>
    Changed,

    /// <summary>A version the chain needs is not there: a row was deleted.</summary>
    Missing,

    /// <summary>A row the stream's head does not account for: it was slipped in.</summary>
    Inserted,

    /// <summary>Versions of one stream stand in the global log in another order than their numbers.</summary>
    Reordered,

    /// <summary>The stream row's version or head hash disagrees with its events.</summary>
    HeadMismatch,
}

/// <summary>One finding, naming the stream and, where there is one, the version and global position.</summary>
public sealed record VerificationIssue(IssueKind Kind, Guid StreamId, long? StreamVersion, long? GlobalPosition, string Detail)
{
    public override string ToString() =>
        $"{Kind}: stream {StreamId}{(StreamVersion is { } v ? $" version {v}" : string.Empty)}{(GlobalPosition is { } p ? $" (position {p})" : string.Empty)}: {Detail}";
}

/// <summary>The outcome of a verification run.</summary>
public sealed record VerificationReport(long StreamsChecked, long EventsChecked, IReadOnlyList<VerificationIssue> Issues)
{
    public bool IsClean => Issues.Count == 0;
}
