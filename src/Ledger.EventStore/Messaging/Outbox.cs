using System.Text.Json;
using Ledger.EventStore.Hashing;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Messaging;

/// <summary>
/// Writes durable messages into <c>{schema}.messages</c> inside the caller's transaction, so a message exists
/// if and only if the events (or other writes) that cause it commit. Message classes are registered with
/// stored names in an <see cref="EventTypeRegistry"/> of their own.
/// </summary>
public sealed class Outbox(EventStore store, EventTypeRegistry messageTypes, IClock clock)
{
    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string sqlInsert = $"""
        INSERT INTO {store.Options.Schema}.messages (message_id, message_type, payload, metadata, due_at, created_at)
        SELECT u.i, u.t, u.p::jsonb, u.m::jsonb, u.d, @now
        FROM unnest(@ids, @types, @payloads, @metadata, @due) AS u(i, t, p, m, d)
        ON CONFLICT (message_id) DO NOTHING
        """;

    public EventStore Store => store;

    /// <summary>The stored names of message classes.</summary>
    public EventTypeRegistry MessageTypes => messageTypes;

    /// <summary>Writes one message in <paramref name="transaction"/>; it is due at <paramref name="dueAt"/> (now when null).</summary>
    public Task EnqueueAsync(NpgsqlTransaction transaction, object message, Instant? dueAt = null, MessageMetadata? metadata = null, Guid? messageId = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(transaction, [new OutgoingMessage(message, dueAt, metadata, messageId)], cancellationToken);

    /// <summary>Writes messages in <paramref name="transaction"/>. A message id already present is left as it is.</summary>
    public async Task EnqueueAsync(NpgsqlTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var now = clock.GetCurrentInstant();
        var ids = new Guid[messages.Count];
        var types = new string[messages.Count];
        var payloads = new string[messages.Count];
        var metadata = new string[messages.Count];
        var due = new DateTime[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var (name, json) = messageTypes.Serialize(m.Message);
            ids[i] = m.MessageId ?? Guid.CreateVersion7();
            types[i] = name;
            payloads[i] = JsonbText.Render(json);
            metadata[i] = JsonSerializer.Serialize(m.Metadata ?? MessageMetadata.Empty, MetadataJson);
            due[i] = (m.DueAt ?? now).ToDateTimeUtc();
        }

        await using var command = new NpgsqlCommand(sqlInsert, transaction.Connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("types", types);
        command.Parameters.AddWithValue("payloads", payloads);
        command.Parameters.AddWithValue("metadata", metadata);
        command.Parameters.AddWithValue("due", due);
        command.Parameters.AddWithValue("now", now.ToDateTimeUtc());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes messages in a transaction of their own (no events), then wakes the dispatchers.</summary>
    public async Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnqueueAsync(transaction, messages, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        store.NotifyCommitted();
    }

    /// <summary>
    /// Registers a hook on the store that runs in every append's transaction and enqueues the messages it
    /// returns for that append (follow-ups of the appended events).
    /// </summary>
    public Outbox ForEachAppend(Func<AppendContext, IEnumerable<OutgoingMessage>> messagesFor)
    {
        ArgumentNullException.ThrowIfNull(messagesFor);
        store.AddParticipant(new AppendHook(this, messagesFor));
        return this;
    }

    internal static MessageMetadata ParseMetadata(string text) =>
        JsonSerializer.Deserialize<MessageMetadata>(text, MetadataJson) ?? MessageMetadata.Empty;

    private sealed class AppendHook(Outbox outbox, Func<AppendContext, IEnumerable<OutgoingMessage>> messagesFor) : IAppendParticipant
    {
        public Task OnAppendingAsync(AppendContext context, CancellationToken cancellationToken) =>
            outbox.EnqueueAsync(context.Transaction, messagesFor(context).ToList(), cancellationToken);
    }
}

/// <summary>A message to write: the object, when it is due (now when null), its metadata and, for idempotent senders, its id.</summary>
public sealed record OutgoingMessage(object Message, Instant? DueAt = null, MessageMetadata? Metadata = null, Guid? MessageId = null);

/// <summary>Which flow a message belongs to and what caused it. Internal ids only: stored in the clear.</summary>
public sealed record MessageMetadata(Guid? CorrelationId = null, Guid? CausationId = null, string? Tenant = null)
{
    public static MessageMetadata Empty { get; } = new();
}
