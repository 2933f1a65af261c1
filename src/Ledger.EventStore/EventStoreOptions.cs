namespace Ledger.EventStore;

/// <summary>Settings of an <see cref="EventStore"/>.</summary>
public sealed record EventStoreOptions
{
    /// <summary>The PostgreSQL schema that holds the store's tables.</summary>
    public string Schema { get; init; } = "ledger";

    /// <summary>
    /// The LISTEN/NOTIFY channel that wakes readers after commits (Marten's high-water agent):
    /// Marten's own channel for appended events.
    /// </summary>
    public string NotificationChannel => Marten.Events.Daemon.HighWater.PostgresqlListenWakeup.DefaultChannel;

    /// <summary>Throws when the schema name is not a plain lower-case identifier.</summary>
    public void Validate()
    {
        if (Schema.Length is 0 or > 40 || !Schema.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') || char.IsDigit(Schema[0]))
        {
            throw new ArgumentException($"schema name '{Schema}' must be 1-40 characters of a-z, 0-9 and _, not starting with a digit", nameof(Schema));
        }
    }
}
