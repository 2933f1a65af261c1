using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace Ledger.EventStore.Messaging;

/// <summary>
/// Wolverine's durable outbox in a transaction the ledger opened: messages sent through an <see cref="OutboxBatch"/>
/// are written to Wolverine's tables in that transaction, so they exist if and only if it commits; after the commit
/// <see cref="OutboxBatch.FlushAsync"/> hands them to Wolverine's queues at once. A batch never flushed is not lost:
/// Wolverine's durability agent finds the stored messages and runs them.
/// </summary>
public sealed class TransactionalOutbox(IWolverineRuntime runtime)
{
    /// <summary>Starts sending messages in <paramref name="transaction"/>.</summary>
    public async Task<OutboxBatch> EnlistAsync(NpgsqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var database = runtime.Storage as IMessageDatabase
            ?? throw new InvalidOperationException($"Wolverine's message store is {runtime.Storage.GetType().Name}, not the ledger's PostgreSQL database");
        var context = new MessageContext(runtime);
        await context.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(database, transaction));
        return new OutboxBatch(context);
    }

    /// <summary>Sends a message in an append's transaction; it is handed to Wolverine once the append commits.</summary>
    public async Task SendAsync(AppendContext append, object message)
    {
        ArgumentNullException.ThrowIfNull(append);
        var batch = await EnlistAsync(append.Transaction);
        await batch.SendAsync(message);
        append.AfterCommit(_ => batch.FlushAsync());
    }
}

/// <summary>Messages sent in one transaction (see <see cref="TransactionalOutbox"/>).</summary>
public sealed class OutboxBatch
{
    private readonly MessageContext context;

    internal OutboxBatch(MessageContext context) => this.context = context;

    /// <summary>Writes the message in the transaction, due at once. A message no handler takes is refused.</summary>
    public async Task SendAsync(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        await context.SendAsync(message);
    }

    /// <summary>Writes the message in the transaction, due after <paramref name="delay"/> (by Wolverine's clock, the system's).</summary>
    public async Task ScheduleAsync(object message, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(message);
        await context.ScheduleAsync(message, delay);
    }

    /// <summary>After the transaction committed: hands its messages to Wolverine's queues.</summary>
    public Task FlushAsync() => context.FlushOutgoingMessagesAsync();
}
