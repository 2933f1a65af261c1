using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.EventStore;

namespace Ledger.App.AccessJournal;

/// <summary>One entry of a patient's access log, as the endpoints describe it.</summary>
public sealed record AccessEntry(
    PatientId Patient,
    Actor Actor,
    DocumentId? Document,
    string Purpose,
    ConsentId? Consent,
    AccessChannel Channel,
    string? SourceAddress);

/// <summary>
/// Appends <see cref="RecordAccessed"/> and <see cref="AccessDenied"/> to the patient's access stream (encrypted under the
/// patient's key). A read is recorded before its content is returned: when the entry cannot be written, nothing is shown.
/// </summary>
/// <remarks>
/// The domain's access events have no field for the caller's network address, and metadata is stored in the clear and
/// must hold internal ids only. The address is therefore written into the encrypted <c>purpose</c> text as a suffix
/// <c>" | source=ADDRESS"</c> (see <see cref="AccessPurpose"/>): it is erased with the patient's key, and the journal
/// projection splits it back into its own column.
/// <para>
/// The access decider validates entries without looking at the stream's state, so an entry is decided on the initial
/// state and appended with <see cref="ExpectedVersion.Any"/>: a read never folds the patient's whole access history
/// (which grows with every view) and concurrent views never conflict.
/// </para>
/// </remarks>
public sealed class AccessRecorder(CommandExecutor executor)
{
    /// <summary>
    /// The entry for a read that names no patient (an export of every patient, a stream that is nobody's record): it goes
    /// to the reader's own access stream, keyed (and encrypted) by the actor's id as a patient's is by the patient's, so
    /// that every such read is an access event too and reads back through the same audit endpoint.
    /// </summary>
    public static AccessEntry OwnStream(Actor actor, string purpose, AccessChannel channel, string? sourceAddress)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new AccessEntry(new PatientId(actor.Id.Value), actor, null, purpose, null, channel, sourceAddress);
    }

    public Task AccessedAsync(AccessEntry entry, AccessOutcome outcome = AccessOutcome.Succeeded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return AppendAsync(entry, new RecordAccess(entry.Patient, entry.Actor, entry.Document, AccessPurpose.Compose(entry.Purpose, entry.SourceAddress), entry.Consent, entry.Channel, outcome), cancellationToken);
    }

    public Task DeniedAsync(AccessEntry entry, string reasonCode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return AppendAsync(entry, new RecordAccessDenial(entry.Patient, entry.Actor, entry.Document, AccessPurpose.Compose(entry.Purpose, entry.SourceAddress), entry.Consent, entry.Channel, reasonCode), cancellationToken);
    }

    private Task AppendAsync(AccessEntry entry, AccessCommand command, CancellationToken cancellationToken)
    {
        var commandId = Guid.CreateVersion7();
        var metadata = new EventMetadata(CorrelationId: commandId, ActorKind: entry.Actor.Kind.ToString().ToLowerInvariant(), ActorId: entry.Actor.Id.ToString());
        return executor.ExecuteAsync(Deciders.Access, StreamIds.Access(entry.Patient), command, new CommandContext(commandId, metadata, entry.Patient.Value, ExpectedVersion.Any), cancellationToken);
    }
}
