using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Results;

/// <summary>
/// Whose result this is: the internal <see cref="Identifiers.PatientId"/> when the patient has a cabinet, otherwise
/// an opaque keyed digest of the patient's identifier (hex, computed outside the domain) to be resolved later.
/// Exactly one of the two is set.
/// </summary>
public sealed record PatientRef
{
    public const int MaxDigestLength = 128;

    [JsonConstructor]
    public PatientRef(PatientId? patientId, string? identifierDigest)
    {
        if (patientId is null == identifierDigest is null)
        {
            throw new DomainValidationException("patient", "exactly one of patientId and identifierDigest must be set");
        }

        if (identifierDigest is not null
            && (identifierDigest.Length is 0 or > MaxDigestLength || !identifierDigest.All(char.IsAsciiHexDigit)))
        {
            throw new DomainValidationException(
                "identifierDigest",
                $"identifier digest must be 1 to {MaxDigestLength} hexadecimal digits");
        }

        PatientId = patientId;
        IdentifierDigest = identifierDigest?.ToLowerInvariant();
    }

    public PatientId? PatientId { get; }

    public string? IdentifierDigest { get; }

    public static PatientRef Resolved(PatientId patientId) => new(patientId, null);

    public static PatientRef Unresolved(string identifierDigest) => new(null, identifierDigest);
}
