using JasperFx.CodeGeneration;
using Wolverine;
using Wolverine.ErrorHandling;

namespace Ledger.EventStore.Messaging;

/// <summary>How the ledger's follow-up messages are retried and polled (Wolverine's settings, see docs/messaging.md).</summary>
public sealed record MessagingOptions
{
    /// <summary>
    /// The waits before each retry of a failed message (a scheduled retry: the message leaves the queue and comes back
    /// when due, so other messages go on meanwhile). After the last one the message becomes a dead letter.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];

    /// <summary>How often a node looks for scheduled messages (and retries) that are due.</summary>
    public TimeSpan PollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long handled message ids are kept, so a message delivered again within it is recognised.</summary>
    public TimeSpan KeepHandledFor { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often each node records that it is alive, and the leader node checks the others (Wolverine's node health
    /// check). A node that stopped cleanly gives up its projections at once; one that vanished is noticed after
    /// <see cref="StaleNodeTimeout"/>.
    /// </summary>
    public TimeSpan NodeHealthCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the leader node checks that every projection runs on exactly one node, and spreads them.</summary>
    public TimeSpan AssignmentCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after its first start a node runs its first health check (and can take projections).</summary>
    public TimeSpan FirstHealthCheckAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After how long without a health check a node counts as gone and its projections move to another node.</summary>
    public TimeSpan StaleNodeTimeout { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (NodeHealthCheckInterval <= TimeSpan.Zero || AssignmentCheckInterval <= TimeSpan.Zero || FirstHealthCheckAfter < TimeSpan.Zero || StaleNodeTimeout <= NodeHealthCheckInterval)
        {
            throw new ArgumentException("the node intervals must be positive, and StaleNodeTimeout longer than NodeHealthCheckInterval");
        }

        if (RetryDelays.Count == 0 || RetryDelays.Any(d => d <= TimeSpan.Zero))
        {
            throw new ArgumentException("RetryDelays needs at least one positive wait");
        }

        if (PollingInterval <= TimeSpan.Zero || KeepHandledFor <= TimeSpan.Zero)
        {
            throw new ArgumentException("PollingInterval and KeepHandledFor must be positive");
        }
    }
}

/// <summary>
/// The ledger's Wolverine configuration: durable local queues for every message (stored in Wolverine's tables in the
/// ledger's schema, through Marten's integration), the handlers the features list (no scanning), retries on a
/// schedule, then Wolverine's dead letters.
/// </summary>
public static class LedgerMessaging
{
    /// <param name="applicationAssembly">The assembly that holds the handlers and, for <see cref="TypeLoadMode.Static"/>, their generated code.</param>
    /// <param name="generatedCodePath">Where generated code is written (<c>ledger codegen</c>); null for Wolverine's default.</param>
    public static void Configure(WolverineOptions options, MessagingOptions settings, IEnumerable<Type> handlerTypes, TypeLoadMode codeMode, System.Reflection.Assembly applicationAssembly, string? generatedCodePath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(handlerTypes);
        settings.Validate();
        options.ServiceName = "ledger";
        options.Discovery.DisableConventionalDiscovery();
        foreach (var type in handlerTypes)
        {
            options.Discovery.IncludeType(type);
        }

        options.Policies.UseDurableLocalQueues();
        options.Durability.ScheduledJobPollingTime = settings.PollingInterval;
        options.Durability.KeepAfterMessageHandling = settings.KeepHandledFor;
        options.Durability.HealthCheckPollingTime = settings.NodeHealthCheckInterval;
        options.Durability.CheckAssignmentPeriod = settings.AssignmentCheckInterval;
        options.Durability.FirstHealthCheckExecution = settings.FirstHealthCheckAfter;
        options.Durability.StaleNodeTimeout = settings.StaleNodeTimeout;
        // A concurrency conflict is retried at once (the handler reloads the stream); anything else waits.
        options.OnException<WrongExpectedVersionException>().RetryWithCooldown(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500))
            .Then.ScheduleRetry([.. settings.RetryDelays]).Then.MoveToErrorQueue();
        options.OnException<Exception>().ScheduleRetry([.. settings.RetryDelays]).Then.MoveToErrorQueue();
        options.ApplicationAssembly = applicationAssembly ?? throw new ArgumentNullException(nameof(applicationAssembly));
        options.CodeGeneration.TypeLoadMode = codeMode;
        if (generatedCodePath is not null)
        {
            options.CodeGeneration.GeneratedCodeOutputPath = generatedCodePath;
        }
    }
}
