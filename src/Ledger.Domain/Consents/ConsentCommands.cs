using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Consents;

/// <summary>A command on one consent stream.</summary>
public abstract record ConsentCommand;

/// <summary>Grant a consent; a null <see cref="ValidFrom"/> means "from now".</summary>
public sealed record GrantConsent(
    ConsentId ConsentId,
    PatientId PatientId,
    FullName DoctorName,
    Snils DoctorSnils,
    OrganizationId? DoctorOrganization,
    ConsentScope Scope,
    string Purpose,
    Instant? ValidFrom,
    Instant ValidUntil,
    string? ShareLinkSha256 = null) : ConsentCommand;

public sealed record RevokeConsent(ConsentId ConsentId, string? Reason) : ConsentCommand;

/// <summary>Record that the consent ran out; sent by a scheduled message at its end.</summary>
public sealed record ExpireConsent(ConsentId ConsentId) : ConsentCommand;
