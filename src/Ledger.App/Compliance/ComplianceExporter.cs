using System.Security.Cryptography;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace Ledger.App.Compliance;

/// <summary>Which events an export covers; every filter optional. <see cref="From"/> inclusive, <see cref="To"/> exclusive (recorded time).</summary>
public sealed record ExportFilter(Instant? From = null, Instant? To = null, string? StreamType = null, Guid? Patient = null);

/// <summary>What an export wrote.</summary>
public sealed record ExportSummary(long Count, long? FirstPosition, long? LastPosition, string Sha256);

/// <summary>
/// Writes events as NDJSON, exactly as stored: one line per event with its envelope (stream id and type, version, global
/// position, event id, stored type, recorded-at in microseconds, key id, metadata as stored jsonb text, the payload as
/// jsonb text or base64 ciphertext, the hash and the previous hash in hex), in global-position order, then one manifest
/// line with the filters, the covered range, the count and the SHA-256 of every preceding line (each with its "\n").
/// Nothing is decrypted: the export is the tamper-evident record, readable by <c>tools/verify_export.py</c> without keys.
/// </summary>
public sealed class ComplianceExporter(NpgsqlDataSource dataSource, string schema)
{
    private const int BatchSize = 1000;

    public async Task<ExportSummary> ExportAsync(Stream output, ExportFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(filter);
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long count = 0;
        long? first = null, last = null;
        var after = 0L;
        var buffer = new MemoryStream();

        // The newest signed checkpoint comes first: read before the events, every head it names is in the export
        // (for the streams the filter keeps), and the auditor checks it with the public key.
        if (await new EventStore.Checkpoints.CheckpointStore(dataSource, schema).LatestAsync(cancellationToken) is { } checkpoint)
        {
            var line = System.Text.Encoding.UTF8.GetBytes(checkpoint.ToJsonLine() + "\n");
            await output.WriteAsync(line, cancellationToken);
        }

        while (true)
        {
            await using var command = dataSource.CreateCommand($"""
                SELECT e.seq_id, e.stream_id, coalesce(s.type, ''), e.version, e.id, e.type,
                       (extract(epoch FROM e.timestamp) * 1000000)::bigint, e.headers ->> '{EventStore.EventStore.MetadataHeader}', e.bdata,
                       e.headers ->> '{EventStore.EventStore.HashHeader}',
                       (SELECT p.headers ->> '{EventStore.EventStore.HashHeader}' FROM {schema}.mt_events p WHERE p.stream_id = e.stream_id AND p.version = e.version - 1)
                FROM {schema}.mt_events e JOIN {schema}.mt_streams s ON s.id = e.stream_id
                WHERE e.seq_id > @after AND {EventStore.EventStore.NotTombstone(schema, "e")}
                  AND (@from::timestamptz IS NULL OR e.timestamp >= @from)
                  AND (@to::timestamptz IS NULL OR e.timestamp < @to)
                  AND (@type::text IS NULL OR s.type = @type)
                  AND (@patient::uuid IS NULL OR e.stream_id = @patient
                       OR (get_byte(e.bdata, 0) = 2 AND substring(e.bdata FROM 2 FOR 16) = (SELECT uuid_send(k.key_id) FROM {schema}.data_keys k WHERE k.subject_id = @patient)))
                ORDER BY e.seq_id
                LIMIT {BatchSize}
                """);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)filter.From?.ToDateTimeUtc() ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)filter.To?.ToDateTimeUtc() ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("type", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)filter.StreamType ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("patient", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)filter.Patient ?? DBNull.Value });
            var rows = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows++;
                    buffer.SetLength(0);
                    using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    {
                        var position = reader.GetInt64(0);
                        json.WriteStartObject();
                        json.WriteString("streamId", reader.GetGuid(1).ToString("D"));
                        json.WriteString("streamType", reader.GetString(2));
                        json.WriteNumber("version", reader.GetInt64(3));
                        json.WriteNumber("position", position);
                        json.WriteString("eventId", reader.GetGuid(4).ToString("D"));
                        json.WriteString("type", reader.GetString(5));
                        json.WriteNumber("recordedAtMicros", reader.GetInt64(6));
                        var stored = reader.IsDBNull(8) ? [] : reader.GetFieldValue<byte[]>(8);
                        var payload = EventStore.MartenStore.StoredPayload.Parse(stored);
                        json.WriteString("format", "ledger.event.v2");
                        json.WriteString("keyId", payload.KeyId?.ToString("D"));
                        json.WriteString("metadata", reader.IsDBNull(7) ? string.Empty : reader.GetString(7));
                        if (payload.IsSealed)
                        {
                            json.WriteNull("data");
                            json.WriteString("dataEncrypted", Convert.ToBase64String(payload.Body.Span));
                        }
                        else
                        {
                            json.WriteString("data", System.Text.Encoding.UTF8.GetString(payload.Body.Span));
                            json.WriteNull("dataEncrypted");
                        }

                        json.WriteString("stored", Convert.ToBase64String(stored));
                        json.WriteString("hash", reader.IsDBNull(9) ? null : reader.GetString(9));
                        json.WriteString("previousHash", reader.IsDBNull(10) ? new string('0', 64) : reader.GetString(10));
                        json.WriteEndObject();
                        after = position;
                        first ??= position;
                        last = position;
                    }

                    buffer.WriteByte((byte)'\n');
                    digest.AppendData(buffer.GetBuffer(), 0, (int)buffer.Length);
                    await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                    count++;
                }
            }

            progress?.Report(count);
            if (rows < BatchSize)
            {
                break;
            }
        }

        var sha = Convert.ToHexStringLower(digest.GetHashAndReset());
        buffer.SetLength(0);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("manifest");
            json.WriteString("format", "ledger.export.v1");
            json.WriteString("from", filter.From is { } f ? InstantPattern.ExtendedIso.Format(f) : null);
            json.WriteString("to", filter.To is { } t ? InstantPattern.ExtendedIso.Format(t) : null);
            json.WriteString("streamType", filter.StreamType);
            json.WriteString("patient", filter.Patient?.ToString("D"));
            json.WriteNumber("count", count);
            if (first is { } fp)
            {
                json.WriteNumber("firstPosition", fp);
                json.WriteNumber("lastPosition", last!.Value);
            }
            else
            {
                json.WriteNull("firstPosition");
                json.WriteNull("lastPosition");
            }

            json.WriteString("sha256", sha);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        await output.FlushAsync(cancellationToken);
        return new ExportSummary(count, first, last, sha);
    }

    /// <summary>Reads the filters from text (query string or command line); returns the offending name and why, or null.</summary>
    /// <summary>The stream types the ledger writes, as the event catalogue lists them.</summary>
    public static IReadOnlySet<string> StreamTypes { get; } = Ledger.Domain.EventCatalogue.All.Select(d => d.StreamKind).ToHashSet(StringComparer.Ordinal);

    public static (ExportFilter? Filter, string? Field, string? Reason) ParseFilter(string? from, string? to, string? streamType, string? patient)
    {
        Instant? start = null, end = null;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (!Http.QueryInstant.TryParse(from, upperBound: false, out var parsed))
            {
                return (null, "from", Http.QueryInstant.Expected);
            }

            start = parsed;
        }

        if (!string.IsNullOrWhiteSpace(to))
        {
            if (!Http.QueryInstant.TryParse(to, upperBound: true, out var parsed))
            {
                return (null, "to", Http.QueryInstant.Expected);
            }

            end = parsed;
        }

        Guid? subject = null;
        if (!string.IsNullOrWhiteSpace(patient))
        {
            if (!Guid.TryParse(patient, out var id))
            {
                return (null, "patient", "a patient id (uuid)");
            }

            subject = id;
        }

        if (streamType is { Length: > 0 } && !StreamTypes.Contains(streamType))
        {
            return (null, "streamType", "one of the ledger's stream types: " + string.Join(", ", StreamTypes.Order(StringComparer.Ordinal)));
        }

        return (new ExportFilter(start, end, string.IsNullOrWhiteSpace(streamType) ? null : streamType, subject), null, null);
    }
}
