using System.Security.Cryptography;
using System.Text;
using Ledger.App.Hosting;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Npgsql;
using NodaTime;

namespace Ledger.App.Ingestion;

/// <summary>A stored file whose bytes no longer match the SHA-256 its document recorded, or whose ciphertext was altered.</summary>
public sealed class AttachmentIntegrityException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The original files a sender delivered (<c>attachment_files</c>): the bytes of each attachment, encrypted with
/// AES-256-GCM under the data key of the subject whose key encrypts the delivery's events (the patient, or the
/// identifier digest of a patient without a cabinet yet), keyed by that subject and the file's SHA-256. The rows are
/// written by the delivery's own append (<see cref="WritesAsync"/>), so a refused delivery stores nothing, and the same
/// bytes delivered twice are stored once. Erasure destroys the key and deletes the rows by patient or digest.
/// </summary>
public sealed class AttachmentFiles(NpgsqlDataSource dataSource, LedgerRuntime runtime, DataKeyProtector keys, IClock clock) : IInlineProjection
{
    public const string Table = "attachment_files";

    public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>();

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (key_subject uuid NOT NULL, sha256 text NOT NULL, patient_id uuid NULL, identifier_digest text NULL,
                key_id uuid NOT NULL, content bytea NOT NULL, stored_at timestamptz NOT NULL, PRIMARY KEY (key_subject, sha256))
            """) { PatientColumn = "patient_id", DigestColumn = "identifier_digest" },
    ];

    public Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The files' rows, encrypted for <paramref name="patient"/>, to travel with the append of their document.</summary>
    public async Task<IReadOnlyList<SqlWrite>> WritesAsync(ResolvedPatient patient, IEnumerable<ReadOnlyMemory<byte>> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patient);
        ArgumentNullException.ThrowIfNull(files);
        var writes = new List<SqlWrite>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(file.Span));
            if (!seen.Add(sha256))
            {
                continue;
            }

            var sealedFile = await keys.EncryptAsync(patient.EncryptFor, file, AssociatedData(patient.EncryptFor, sha256), cancellationToken);
            writes.Add(SqlWrite.Of(
                $"""
                 INSERT INTO {runtime.Schema}.{Table} (key_subject, sha256, patient_id, identifier_digest, key_id, content, stored_at)
                 VALUES (@s, @h, @p, @d, @k, @c, @t) ON CONFLICT DO NOTHING
                 """,
                ("s", patient.EncryptFor),
                ("h", sha256),
                ("p", (object?)patient.Patient.PatientId?.Value),
                ("d", patient.Patient.IdentifierDigest),
                ("k", sealedFile.KeyId),
                ("c", sealedFile.Ciphertext),
                ("t", clock.GetCurrentInstant().ToDateTimeUtc())));
        }

        return writes;
    }

    /// <summary>
    /// The file's bytes, from the first of <paramref name="subjects"/> that holds it; null when none does or its key is
    /// destroyed. Throws <see cref="AttachmentIntegrityException"/> when the ciphertext was altered or the bytes do not
    /// hash to <paramref name="sha256"/>.
    /// </summary>
    public async Task<byte[]?> ReadAsync(IReadOnlyList<Guid> subjects, ContentHash sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(sha256);
        var hex = sha256.Hex;
        await using var command = dataSource.CreateCommand(
            $"SELECT key_subject, key_id, content FROM {runtime.Schema}.{Table} WHERE sha256 = @h AND key_subject = ANY(@s) ORDER BY array_position(@s, key_subject) LIMIT 1");
        command.Parameters.AddWithValue("h", hex);
        command.Parameters.AddWithValue("s", subjects.ToArray());
        Guid subject, keyId;
        byte[] content;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            subject = reader.GetGuid(0);
            keyId = reader.GetGuid(1);
            content = (byte[])reader[2];
        }

        byte[]? bytes;
        try
        {
            bytes = await keys.DecryptAsync(keyId, content, AssociatedData(subject, hex), cancellationToken);
        }
        catch (PayloadTamperedException e)
        {
            throw new AttachmentIntegrityException($"the stored file {hex} does not decrypt: {e.Message}", e);
        }

        if (bytes is not null && !string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), hex, StringComparison.Ordinal))
        {
            throw new AttachmentIntegrityException($"the stored file {hex} does not hash to its recorded SHA-256");
        }

        return bytes;
    }

    /// <summary>The bytes of every attachment a lab result carries (observation values), in delivery order.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Of(Parsed.LabResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Panels.SelectMany(p => p.Observations).SelectMany(o => o.Values).Select(v => v.Attachment).OfType<Parsed.Attachment>().Select(a => a.Data).ToList();
    }

    /// <summary>The attachments a document's content lists, in the order the API numbers them (from 1).</summary>
    public static IReadOnlyList<Attachment> Listed(ResultContent content) => content switch
    {
        InstrumentalStudy study => study.Attachments,
        LabReport report => report.Panels.SelectMany(p => p.Observations).SelectMany(o => o.Attachments ?? []).ToList(),
        _ => [],
    };

    // Binds a ciphertext to its subject and hash, so a row moved to another patient or file does not decrypt.
    private static byte[] AssociatedData(Guid subject, string sha256) => Encoding.UTF8.GetBytes($"attachment\n{subject:N}\n{sha256}");
}
