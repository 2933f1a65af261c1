using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.Domain.Consents;

public enum ConsentScopeKind
{
    /// <summary>Every document of the patient.</summary>
    All,

    /// <summary>Documents of the listed types.</summary>
    DocumentTypes,

    /// <summary>Only the listed documents.</summary>
    Documents,
}

/// <summary>What a consent lets the doctor see. Build it with <see cref="All"/>, <see cref="OfTypes"/> or <see cref="OfDocuments"/>.</summary>
public sealed record ConsentScope(ConsentScopeKind Kind, IReadOnlyList<DocumentType> DocumentTypes, IReadOnlyList<DocumentId> DocumentIds)
{
    public static ConsentScope All() => new(ConsentScopeKind.All, [], []);

    public static ConsentScope OfTypes(params DocumentType[] types) => new(ConsentScopeKind.DocumentTypes, types, []);

    public static ConsentScope OfDocuments(params DocumentId[] documents) => new(ConsentScopeKind.Documents, [], documents);

    public bool Covers(DocumentId documentId, DocumentType documentType) => Kind switch
    {
        ConsentScopeKind.All => true,
        ConsentScopeKind.DocumentTypes => DocumentTypes.Contains(documentType),
        ConsentScopeKind.Documents => DocumentIds.Contains(documentId),
        _ => false,
    };
}

/// <summary>An event of a consent stream (<see cref="ConsentState.Evolve"/> folds them).</summary>
public interface IConsentEvent
{
}

/// <summary>
/// A patient let a doctor see (part of) the record for a purpose, from one instant until another.
/// <see cref="ShareLinkSha256"/> is the SHA-256 (hex) of the share link's token, so the link can be rebuilt from the
/// events alone; the token itself is shown once and never stored. The event is encrypted under the patient's key.
/// </summary>
public sealed record ConsentGranted(
    ConsentId ConsentId,
    PatientId PatientId,
    FullName DoctorName,
    Snils DoctorSnils,
    OrganizationId? DoctorOrganization,
    ConsentScope Scope,
    string Purpose,
    Instant ValidFrom,
    Instant ValidUntil,
    string? ShareLinkSha256 = null) : IConsentEvent;

/// <summary>The patient withdrew the consent; it is not active from <see cref="RevokedAt"/> on.</summary>
public sealed record ConsentRevoked(ConsentId ConsentId, PatientId PatientId, Instant RevokedAt, string? Reason) : IConsentEvent;

/// <summary>The consent reached its end (recorded when its validity ran out).</summary>
public sealed record ConsentExpired(ConsentId ConsentId, PatientId PatientId, Instant ExpiredAt) : IConsentEvent;
