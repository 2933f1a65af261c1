using System.Security.Cryptography;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Streams;

/// <summary>How one command is carried out.</summary>
/// <param name="CommandId">The caller's id for the command (e.g. from an Idempotency-Key): the events' ids derive from it, so a repeat writes nothing.</param>
/// <param name="Expected">The version the caller saw (HTTP If-Match); a stale one is a conflict, never retried.</param>
/// <param name="EncryptFor">The subject whose data key encrypts the payloads (the patient); required for patient-scoped streams.</param>
public sealed record CommandContext(Guid CommandId, EventMetadata Metadata, Guid? EncryptFor = null, ExpectedVersion? Expected = null)
{
    /// <summary>Statements that commit or roll back with the command's events (see <see cref="AppendOptions.Writes"/>).</summary>
    public IReadOnlyList<SqlWrite> Writes { get; init; } = [];
}

/// <summary>What a command did: the events it appended (none when there was nothing to do) and the stream's version.</summary>
public sealed record CommandOutcome<TEvent>(Guid StreamId, long Version, IReadOnlyList<TEvent> Events, bool AlreadyStored);

/// <summary>
/// Loads a stream's state, asks the domain to decide, and appends the decision with the version it was based on.
/// A command whose id was carried out before on the stream is not decided again: its earlier events are returned.
/// When another writer got there first and the caller gave no expected version, it decides again on the new
/// state (a few times); with an expected version the conflict is reported. A command expected to start a new
/// stream is decided on the initial state and appended without reading first: the append itself finds out
/// whether the stream exists (then the command is reported as a repeat or a conflict as above). A command with
/// <see cref="ExpectedVersion.Any"/> is for append-only streams whose decisions do not depend on what is there (the
/// access log, delivery refusals): it is decided on the initial state and appended at the stream's end without
/// reading it, so a stream that grows with every read is never folded and concurrent writers never conflict.
/// This is the one way the ledger carries out a command: HTTP endpoints, ingestion, Wolverine handlers and access
/// recording all come here.
/// </summary>
public sealed class CommandExecutor(EventStore.EventStore store, IClock clock)
{
    private const int Attempts = 3;

    public async Task<CommandOutcome<TEvent>> ExecuteAsync<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider, Guid streamId, TCommand command, CommandContext context, CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentNullException.ThrowIfNull(context);
        if (decider.PatientScoped && context.EncryptFor is null)
        {
            throw new InvalidOperationException($"a {decider.StreamKind} stream holds patient data: the command needs the patient whose key encrypts it");
        }

        if (context.Expected is { IsAny: true })
        {
            var events = decider.Decide(command, decider.Initial, clock.GetCurrentInstant());
            if (events.Count == 0)
            {
                return new CommandOutcome<TEvent>(streamId, 0, events, AlreadyStored: false);
            }

            var result = await store.AppendAsync(streamId, decider.StreamKind, ExpectedVersion.Any, ToAppend(events, context), Options(decider, context), cancellationToken);
            return new CommandOutcome<TEvent>(streamId, result.NextExpectedVersion, events, result.AlreadyStored);
        }

        if (context.Expected is { IsNoStream: true })
        {
            var events = decider.Decide(command, decider.Initial, clock.GetCurrentInstant());
            if (events.Count == 0)
            {
                return new CommandOutcome<TEvent>(streamId, 0, events, AlreadyStored: false);
            }

            var result = await store.AppendAsync(streamId, decider.StreamKind, ExpectedVersion.NoStream, ToAppend(events, context), Options(decider, context), cancellationToken);
            if (!result.AlreadyStored)
            {
                return new CommandOutcome<TEvent>(streamId, result.NextExpectedVersion, events, AlreadyStored: false);
            }

            // A repeat of this very command: the loop below reports what it did the first time.
        }

        for (var attempt = 1; ; attempt++)
        {
            var history = await store.ReadStreamAsync(streamId, cancellationToken: cancellationToken);
            var version = history.Count == 0 ? 0 : history[^1].StreamVersion;
            var firstId = EventIdFor(context.CommandId, 0);
            if (history.Any(e => e.EventId == firstId))
            {
                // This very command was carried out before: report what it did, decide nothing again.
                var ids = Enumerable.Range(0, history.Count).Select(i => EventIdFor(context.CommandId, i)).ToHashSet();
                var earlier = history.Where(e => ids.Contains(e.EventId) && !e.IsErased).Select(e => decider.Read(store.Deserialize(e))).ToList();
                return new CommandOutcome<TEvent>(streamId, version, earlier, AlreadyStored: true);
            }

            var state = decider.Initial;
            foreach (var recorded in history.Where(e => !e.IsErased))
            {
                state = decider.EvolveStored(state, store.Deserialize(recorded));
            }

            if (context.Expected is { } expected && !expected.IsSatisfiedBy(version == 0 ? null : version))
            {
                throw new WrongExpectedVersionException(streamId, expected, version == 0 ? null : version);
            }

            var events = decider.Decide(command, state, clock.GetCurrentInstant());
            if (events.Count == 0)
            {
                return new CommandOutcome<TEvent>(streamId, version, events, AlreadyStored: false);
            }

            try
            {
                var result = await store.AppendAsync(
                    streamId,
                    decider.StreamKind,
                    version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version),
                    ToAppend(events, context),
                    Options(decider, context),
                    cancellationToken);
                return new CommandOutcome<TEvent>(streamId, result.NextExpectedVersion, events, result.AlreadyStored);
            }
            catch (WrongExpectedVersionException) when (context.Expected is null && attempt < Attempts)
            {
                // Someone else appended meanwhile: decide again on what is there now.
            }
        }
    }

    private static List<EventToAppend> ToAppend<TEvent>(IReadOnlyList<TEvent> events, CommandContext context)
        where TEvent : class =>
        events.Select((e, i) => new EventToAppend(EventIdFor(context.CommandId, i), e, context.Metadata)).ToList();

    private static AppendOptions Options<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider, CommandContext context)
        where TEvent : class =>
        new() { EncryptFor = decider.PatientScoped ? context.EncryptFor : null, Writes = context.Writes };

    /// <summary>The id of the <paramref name="index"/>-th event of a command: stable, so repeats are recognised.</summary>
    public static Guid EventIdFor(Guid commandId, int index)
    {
        Span<byte> input = stackalloc byte[20];
        commandId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16]);
    }
}
