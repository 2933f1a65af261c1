namespace Ledger.Domain.Deliveries;

/// <summary>Record that a delivery was refused.</summary>
public sealed record RefuseDelivery(Guid? OrganizationId, string Transport, string Reason, string? SourceAddress);
