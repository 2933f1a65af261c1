using Ledger.App.Ingestion.Parsed;
using Ledger.App.Patients;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore.Protection;

namespace Ledger.App.Ingestion;

/// <summary>Whose a delivered document is, and whose key encrypts it.</summary>
public sealed record ResolvedPatient(PatientRef Patient, Guid EncryptFor);

/// <summary>
/// Turns the identifiers a document carries into a <see cref="PatientRef"/>. A СНИЛС or ЕНП (recognised by
/// <see cref="PatientIdentifierSystems.Recognise"/>) must pass its check digits; its keyed digest finds the
/// cabinet, else the document waits under the digest. Without a СНИЛС or ЕНП, the sender's own identifier
/// (or, for FHIR, the subject reference) is digested together with the sender: such a document is stored but can
/// only be matched to a cabinet by support. No identifier at all is refused.
/// </summary>
public sealed class PatientResolver(PatientDirectory directory, KeyedIdentifierHash hash)
{
    public async Task<ResolvedPatient> ResolveAsync(
        Guid sender, IReadOnlyList<PatientIdentifierCandidate> identifiers, string? subjectReference, string field, CancellationToken cancellationToken)
    {
        string? digest = null;
        foreach (var candidate in identifiers)
        {
            switch (PatientIdentifierSystems.Recognise(candidate))
            {
                case PatientIdentifierKind.Snils:
                    digest = Snils.TryParse(candidate.Value, out var snils, out var reason)
                        ? directory.Digest(snils)
                        : throw new IngestionError(IngestionErrorKind.Invalid, field, "the СНИЛС is not valid: " + Redact(reason), "PID", 3);
                    break;
                case PatientIdentifierKind.Enp:
                    digest = Enp.TryParse(candidate.Value, out var enp, out reason)
                        ? directory.Digest(enp)
                        : throw new IngestionError(IngestionErrorKind.Invalid, field, "the ЕНП is not valid: " + Redact(reason), "PID", 3);
                    break;
                default:
                    continue;
            }

            break;
        }

        if (digest is not null)
        {
            return await directory.FindAsync(digest, cancellationToken) is { } patient
                ? new ResolvedPatient(PatientRef.Resolved(patient), patient.Value)
                : new ResolvedPatient(PatientRef.Unresolved(digest), KeyedIdentifierHash.ToGuid(digest));
        }

        var local = identifiers.FirstOrDefault(i => !string.IsNullOrWhiteSpace(i.Value));
        var text = local is not null
            ? $"{local.AssigningAuthorityId}|{local.AssigningAuthority}|{local.IdentifierType}|{local.Value.Trim()}"
            : subjectReference is { Length: > 0 } reference ? "reference|" + reference.Trim() : null;
        if (text is null)
        {
            throw new IngestionError(IngestionErrorKind.Invalid, field, "no patient identifier (СНИЛС or ЕНП expected)", "PID", 3);
        }

        var localDigest = hash.Digest("sender-patient", sender.ToString("N") + "\n" + text);
        return new ResolvedPatient(PatientRef.Unresolved(localDigest), KeyedIdentifierHash.ToGuid(localDigest));
    }

    // The check-digit reasons quote digits of the identifier; an error that may be logged must not.
    private static string Redact(string reason) => new(reason.Select(c => char.IsAsciiDigit(c) ? '#' : c).ToArray());
}
