using Ledger.App.Organizations;
using Ledger.Domain;
using Ledger.Domain.Deliveries;
using Ledger.EventStore;

namespace Ledger.App.Ingestion;

/// <summary>The outcome of the sender check: the organisation when it may deliver, otherwise why not.</summary>
public sealed record GateDecision(OrganizationRow? Organization, bool Unknown, string? Reason)
{
    public bool Allowed => Organization is not null && Reason is null;
}

/// <summary>
/// Checks, at each delivery, that the sender is a known organisation that may deliver now (the token was issued
/// earlier; the organisation may have been suspended since). Every refusal is recorded as a
/// <see cref="DeliveryRefused"/> event.
/// </summary>
public sealed class DeliveryGate(OrganizationDirectory directory, Streams.CommandExecutor executor)
{
    public async Task<GateDecision> CheckAsync(Guid? organizationId, string transport, string? source, CancellationToken cancellationToken)
    {
        var row = organizationId is { } id ? await directory.FindForDeliveryAsync(id, cancellationToken) : null;
        return await DecideAsync(row, transport, source, cancellationToken);
    }

    /// <summary>Checks an organisation already looked up (MLLP: by MSH-4); <paramref name="row"/> null means unknown.</summary>
    public async Task<GateDecision> DecideAsync(OrganizationRow? row, string transport, string? source, CancellationToken cancellationToken)
    {
        string? reason = row switch
        {
            null => "unknown_organization",
            { Status: "suspended" } => "suspended",
            { Status: not "confirmed" } => "not_confirmed",
            { CanDeliver: false } => "delivery_not_enabled",
            _ => null,
        };
        if (reason is null)
        {
            return new GateDecision(row, false, null);
        }

        await RefuseAsync(row?.OrganizationId, transport, reason, source, cancellationToken);
        return new GateDecision(row, row is null, reason);
    }

    /// <summary>Records a refusal (content-free) in the organisation's refusal stream.</summary>
    public async Task RefuseAsync(Guid? organizationId, string transport, string reason, string? source, CancellationToken cancellationToken)
    {
        var metadata = new EventMetadata(ActorKind: "organization", ActorId: organizationId?.ToString("D"));
        await executor.ExecuteAsync(
            Streams.Deciders.DeliveryRefusal,
            StreamIds.DeliveryRefusals(organizationId),
            new RefuseDelivery(organizationId, transport, reason, source),
            new Streams.CommandContext(Guid.CreateVersion7(), metadata, Expected: ExpectedVersion.Any),
            cancellationToken);
    }
}
