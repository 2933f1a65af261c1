using Ledger.App.Hosting;
using Ledger.App.Patients;
using Ledger.Domain;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using NodaTime;
using Npgsql;

namespace Ledger.App.Consents;

/// <summary>
/// <c>consents_active</c>: every consent with its patient, the keyed digest of the doctor's СНИЛС, its scope, validity,
/// revocation and the SHA-256 of its share link. Written inline, so a revocation is effective on the very next request.
/// Whether a consent is active is decided at read time against the clock (expiry needs no job).
/// </summary>
public sealed class ConsentsProjection(PatientDirectory directory, NpgsqlDataSource dataSource, LedgerRuntime runtime) : IInlineProjection
{
    public const string Name = "consents_active";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(ConsentGranted), typeof(ConsentRevoked));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Name, """
            CREATE TABLE {table} (
                consent_id uuid PRIMARY KEY,
                patient_id uuid NOT NULL,
                doctor_snils_digest text NOT NULL,
                scope_kind text NOT NULL,
                document_types text[] NOT NULL,
                document_ids uuid[] NOT NULL,
                valid_from timestamptz NOT NULL,
                valid_until timestamptz NOT NULL,
                revoked_at timestamptz NULL,
                share_token_sha256 bytea UNIQUE NULL);
            CREATE INDEX {name}_patient ON {table} (patient_id)
            """) { PatientColumn = "patient_id" },
    ];

    public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            await using var command = new NpgsqlCommand { Connection = context.Transaction.Connection, Transaction = context.Transaction };
            switch (e.Data)
            {
                case ConsentGranted g:
                    command.CommandText = $"""
                        INSERT INTO {runtime.Schema}.{Name} (consent_id, patient_id, doctor_snils_digest, scope_kind, document_types, document_ids, valid_from, valid_until, share_token_sha256)
                        VALUES (@c, @p, @d, @k, @t, @i, @f, @u, @h) ON CONFLICT (consent_id) DO NOTHING
                        """;
                    command.Parameters.AddWithValue("c", g.ConsentId.Value);
                    command.Parameters.AddWithValue("p", g.PatientId.Value);
                    command.Parameters.AddWithValue("d", directory.Digest(g.DoctorSnils));
                    command.Parameters.AddWithValue("k", g.Scope.Kind.ToString());
                    command.Parameters.AddWithValue("t", g.Scope.DocumentTypes.Select(ConsentText.Type).ToArray());
                    command.Parameters.AddWithValue("i", g.Scope.DocumentIds.Select(d => d.Value).ToArray());
                    command.Parameters.AddWithValue("f", g.ValidFrom.ToDateTimeUtc());
                    command.Parameters.AddWithValue("u", g.ValidUntil.ToDateTimeUtc());
                    command.Parameters.AddWithValue("h", g.ShareLinkSha256 is { } link ? Convert.FromHexString(link) : DBNull.Value);
                    break;
                case ConsentRevoked r:
                    command.CommandText = $"UPDATE {runtime.Schema}.{Name} SET revoked_at = @r WHERE consent_id = @c AND revoked_at IS NULL";
                    command.Parameters.AddWithValue("c", r.ConsentId.Value);
                    command.Parameters.AddWithValue("r", r.RevokedAt.ToDateTimeUtc());
                    break;
                default:
                    continue;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public Task<ConsentRow?> FindAsync(Guid consentId, CancellationToken cancellationToken) =>
        SingleAsync("consent_id = @v", consentId, cancellationToken);

    public Task<ConsentRow?> FindByTokenAsync(string token, CancellationToken cancellationToken) =>
        SingleAsync("share_token_sha256 = @v", ShareLinks.Hash(token), cancellationToken);

    public async Task<IReadOnlyList<ConsentRow>> ListAsync(PatientId patient, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {runtime.Schema}.{Name} WHERE patient_id = @v ORDER BY valid_from DESC, consent_id");
        command.Parameters.AddWithValue("v", patient.Value);
        return await ReadAsync(command, cancellationToken);
    }

    private const string Columns = "consent_id, patient_id, doctor_snils_digest, scope_kind, document_types, document_ids, valid_from, valid_until, revoked_at";

    private async Task<ConsentRow?> SingleAsync(string where, object value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {runtime.Schema}.{Name} WHERE {where}");
        command.Parameters.AddWithValue("v", value);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static async Task<IReadOnlyList<ConsentRow>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<ConsentRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ConsentRow(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetString(2),
                Enum.Parse<ConsentScopeKind>(reader.GetString(3)),
                reader.GetFieldValue<string[]>(4),
                reader.GetFieldValue<Guid[]>(5),
                Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(6)),
                Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(7)),
                reader.IsDBNull(8) ? null : Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(8))));
        }

        return rows;
    }
}
