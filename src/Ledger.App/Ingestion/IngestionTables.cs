using Ledger.Domain;
using System.Security.Cryptography;
using System.Text;
using Ledger.App.Hosting;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Npgsql;
using NodaTime;

namespace Ledger.App.Ingestion;

/// <summary>A stored first answer to a delivery.</summary>
public sealed record StoredOutcome(string Status, string Body);

/// <summary>
/// The ingestion's own tables. <c>documents_by_order</c> (organisation, keyed digest of the order number → document)
/// and <c>pending_results</c> (identifier digest → document of a patient without a cabinet yet) are written inline
/// with the result events. <c>ingestion_outcomes</c> keeps the first answer to each delivery key (keyed digest),
/// written after the append commits. No order number, identifier or message text is stored in the clear.
/// </summary>
public sealed class IngestionTables(NpgsqlDataSource dataSource, LedgerRuntime runtime, KeyedIdentifierHash hash, IClock clock) : IInlineProjection
{
    public const string Outcomes = "ingestion_outcomes";
    public const string DocumentsByOrder = "documents_by_order";
    public const string Pending = "pending_results";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(LabResultArrived), typeof(InstrumentalStudyArrived), typeof(VisitProtocolRecorded), typeof(VaccinationRecorded), typeof(ResultPatientResolved));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Outcomes, "CREATE TABLE {table} (org_id uuid NOT NULL, key_digest text NOT NULL, status text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (org_id, key_digest))"),
        new(DocumentsByOrder, "CREATE TABLE {table} (org_id uuid NOT NULL, order_digest text NOT NULL, document_id uuid NOT NULL, PRIMARY KEY (org_id, order_digest))"),
        new(Pending, "CREATE TABLE {table} (digest text NOT NULL, document_id uuid NOT NULL, PRIMARY KEY (digest, document_id))"),
    ];

    /// <summary>The keyed digest of a sender's order number.</summary>
    public string OrderDigest(Guid organizationId, string orderNumber) => hash.Digest("order-number", organizationId.ToString("N") + "\n" + orderNumber.Trim());

    /// <summary>The keyed digest of a delivery key (MSH-10, Bundle.identifier, Idempotency-Key).</summary>
    public string KeyDigest(string key) => hash.Digest("delivery-key", key);

    /// <summary>The store runs <see cref="PlanWrites"/> instead; this runs the same writes for a direct caller.</summary>
    public Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        var writes = PlanWrites(events.Select(e => e.ToPending()).ToList());
        return SqlWrite.ExecuteAsync(writes, context.Transaction, cancellationToken);
    }

    /// <summary>The rows the events imply; plain writes, so they can travel in the append's own round trip.</summary>
    public IReadOnlyList<SqlWrite> PlanWrites(IReadOnlyList<PendingEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var writes = new List<SqlWrite>();
        foreach (var data in events.Select(e => e.Data))
        {
            if (data is ResultPatientResolved resolved)
            {
                writes.Add(SqlWrite.Of($"DELETE FROM {runtime.Schema}.{Pending} WHERE document_id = @doc", ("doc", resolved.DocumentId.Value)));
                continue;
            }

            if (data is not IResultEvent arrived)
            {
                continue;
            }

            if (arrived.Patient.IdentifierDigest is { } digest)
            {
                writes.Add(SqlWrite.Of($"INSERT INTO {runtime.Schema}.{Pending} (digest, document_id) VALUES (@d, @doc) ON CONFLICT DO NOTHING", ("d", digest), ("doc", arrived.DocumentId.Value)));
            }

            if (data is LabResultArrived lab)
            {
                writes.Add(SqlWrite.Of(
                    $"INSERT INTO {runtime.Schema}.{DocumentsByOrder} (org_id, order_digest, document_id) VALUES (@o, @k, @doc) ON CONFLICT DO NOTHING",
                    ("o", lab.Sender.Value),
                    ("k", OrderDigest(lab.Sender.Value, lab.Report.OrderNumber)),
                    ("doc", lab.DocumentId.Value)));
            }
        }

        return writes;
    }

    /// <summary>
    /// The write that keeps the first answer to a delivery, for the append that stores the delivery: a plain insert,
    /// so that when an answer for the key exists already the append fails as a conflict and writes nothing.
    /// </summary>
    public SqlWrite OutcomeWrite(Guid organizationId, string key, StoredOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return SqlWrite.Of(
            $"INSERT INTO {runtime.Schema}.{Outcomes} (org_id, key_digest, status, body, created_at) VALUES (@o, @k, @s, @b, @t)",
            ("o", organizationId),
            ("k", KeyDigest(key)),
            ("s", outcome.Status),
            ("b", outcome.Body),
            ("t", clock.GetCurrentInstant().ToDateTimeUtc()));
    }

    /// <summary>The document an earlier delivery of this order created, if any.</summary>
    public async Task<Guid?> FindByOrderAsync(Guid organizationId, string orderNumber, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT document_id FROM {runtime.Schema}.{DocumentsByOrder} WHERE org_id = @o AND order_digest = @k");
        command.Parameters.AddWithValue("o", organizationId);
        command.Parameters.AddWithValue("k", OrderDigest(organizationId, orderNumber));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? id : null;
    }

    public async Task<StoredOutcome?> FindOutcomeAsync(Guid organizationId, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT status, body FROM {runtime.Schema}.{Outcomes} WHERE org_id = @o AND key_digest = @k");
        command.Parameters.AddWithValue("o", organizationId);
        command.Parameters.AddWithValue("k", KeyDigest(key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredOutcome(reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>Keeps the first answer for the key; a concurrent first answer wins and is returned.</summary>
    public async Task<StoredOutcome> SaveOutcomeAsync(Guid organizationId, string key, StoredOutcome outcome, CancellationToken cancellationToken)
    {
        var write = OutcomeWrite(organizationId, key, outcome);
        await using (var batch = dataSource.CreateBatch())
        {
            batch.BatchCommands.Add((write with { Sql = write.Sql + " ON CONFLICT DO NOTHING" }).ToBatchCommand());
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        return await FindOutcomeAsync(organizationId, key, cancellationToken) ?? outcome;
    }

    /// <summary>The documents waiting for the holder of one of these identifier digests.</summary>
    public async Task<IReadOnlyList<Guid>> PendingAsync(NpgsqlTransaction transaction, IReadOnlyList<string> digests, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT document_id FROM {runtime.Schema}.{Pending} WHERE digest = ANY(@d)", transaction.Connection, transaction);
        command.Parameters.AddWithValue("d", digests.ToArray());
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>A stable id from parts (SHA-256, RFC 9562 version 8 layout).</summary>
    public static Guid Derive(params string[] parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001F', parts)));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes.AsSpan(0, 16), bigEndian: true);
    }
}
