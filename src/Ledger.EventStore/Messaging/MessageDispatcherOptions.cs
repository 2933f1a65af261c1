using Microsoft.Extensions.Logging;

namespace Ledger.EventStore.Messaging;

/// <summary>Settings of a <see cref="MessageDispatcher"/>.</summary>
public sealed record MessageDispatcherOptions
{
    /// <summary>This node's name, written into the claims it takes.</summary>
    public string NodeName { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Messages claimed per round.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Messages handled at once on this node (each in its own transaction).</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>How long a claim keeps other nodes off a message; past it the message is handed out again.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often due messages are looked for when nothing wakes the dispatcher.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Deliveries before a failing message becomes a dead letter.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay after the first failure; doubles with each further failure (with jitter), up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long handled message ids are kept to recognise redeliveries.</summary>
    public TimeSpan HandledRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Wait before listening again after the notification connection failed.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Receives retries, dead letters and failures of the dispatcher itself; none when null.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NodeName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrency);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Lease, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, BaseDelay);
    }
}

/// <summary>A message whose handler kept failing.</summary>
public sealed record DeadLetter(
    Guid MessageId,
    string MessageType,
    string Payload,
    MessageMetadata Metadata,
    int Attempts,
    NodaTime.Instant CreatedAt,
    NodaTime.Instant? FirstAttemptAt,
    NodaTime.Instant? LastAttemptAt,
    NodaTime.Instant DeadAt,
    string Error);
