using Ledger.EventStore.Messaging;
using Ledger.EventStore.Serialization;
using Npgsql;

namespace Ledger.EventStore.Tests.Messaging;

public sealed record Ping(int Number);

public sealed record Scheduled(string Note);

/// <summary>Writes one effect row per handling, in the handling transaction; can be told to fail or to wait.</summary>
public sealed class EffectHandler(string schema) : IMessageHandler<Ping>, IMessageHandler<Scheduled>
{
    public Func<Ping, Exception?> FailWith { get; set; } = _ => null;

    /// <summary>When set, handling waits for it (ignoring cancellation, like a process that hangs) before writing.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task HandleAsync(Ping message, MessageContext context, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (FailWith(message) is { } error)
        {
            throw error;
        }

        await WriteAsync(context, cancellationToken);
    }

    public Task HandleAsync(Scheduled message, MessageContext context, CancellationToken cancellationToken) => WriteAsync(context, cancellationToken);

    private async Task WriteAsync(MessageContext context, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"INSERT INTO {schema}.effects (message_id) VALUES (@id)", context.Transaction.Connection, context.Transaction);
        command.Parameters.AddWithValue("id", context.MessageId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public static class MessagingTesting
{
    public static EventTypeRegistry Types() => new EventTypeRegistry()
        .Register<Ping>("tests.ping.v1")
        .Register<Scheduled>("tests.scheduled.v1");

    public static MessageDispatcherOptions Options(string node) => new()
    {
        NodeName = node,
        PollInterval = TimeSpan.FromMilliseconds(50),
        BaseDelay = TimeSpan.FromSeconds(10),
        MaxDelay = TimeSpan.FromMinutes(5),
        MaxAttempts = 4,
        Lease = TimeSpan.FromSeconds(30),
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
    };

    public static async Task<(Outbox Outbox, EffectHandler Handler)> CreateAsync(StoreScope scope)
    {
        await scope.ExecuteAsync("CREATE TABLE {schema}.effects (message_id uuid NOT NULL)");
        return (new Outbox(scope.Store, Types(), scope.Clock), new EffectHandler(scope.Schema));
    }

    public static MessageHandlers Handlers(EffectHandler handler) => new MessageHandlers().Add<Ping>(handler).Add<Scheduled>(handler);
}
