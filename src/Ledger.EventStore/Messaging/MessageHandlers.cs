using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Messaging;

/// <summary>Handles messages of one class. Its writes go through <see cref="MessageContext.Transaction"/>.</summary>
public interface IMessageHandler<in T>
{
    Task HandleAsync(T message, MessageContext context, CancellationToken cancellationToken);
}

/// <summary>The explicit list of handlers: one per message class, no scanning.</summary>
public sealed class MessageHandlers
{
    private readonly Dictionary<Type, Func<object, MessageContext, CancellationToken, Task>> handlers = [];

    public MessageHandlers Add<T>(IMessageHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!handlers.TryAdd(typeof(T), (message, context, token) => handler.HandleAsync((T)message, context, token)))
        {
            throw new InvalidOperationException($"{typeof(T).Name} already has a handler");
        }

        return this;
    }

    internal Func<object, MessageContext, CancellationToken, Task>? Find(Type type) => handlers.GetValueOrDefault(type);
}

/// <summary>
/// What a handler gets with its message: the transaction that also completes the message (so its writes and the
/// message's removal commit together), and helpers to append events and send follow-up messages through it.
/// </summary>
public sealed class MessageContext
{
    private readonly Outbox outbox;

    internal MessageContext(Outbox outbox, NpgsqlTransaction transaction, Guid messageId, string messageType, int attempt, MessageMetadata metadata, Instant now)
    {
        this.outbox = outbox;
        Transaction = transaction;
        MessageId = messageId;
        MessageType = messageType;
        Attempt = attempt;
        Metadata = metadata;
        Now = now;
    }

    public NpgsqlTransaction Transaction { get; }

    public Guid MessageId { get; }

    public string MessageType { get; }

    /// <summary>1 on the first delivery.</summary>
    public int Attempt { get; }

    public MessageMetadata Metadata { get; }

    /// <summary>The dispatcher's clock when the message was claimed.</summary>
    public Instant Now { get; }

    internal bool Appended { get; private set; }

    /// <summary>Appends events in the handling transaction.</summary>
    public async Task<AppendResult> AppendAsync(Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await outbox.Store.AppendAsync(Transaction, streamId, streamType, expected, events, options, cancellationToken);
        Appended = true;
        return result;
    }

    /// <summary>Sends a follow-up message, committed with this message's completion.</summary>
    public Task SendAsync(object message, Instant? dueAt = null, CancellationToken cancellationToken = default) =>
        outbox.EnqueueAsync(Transaction, message, dueAt, Metadata with { CausationId = MessageId }, null, cancellationToken);
}
