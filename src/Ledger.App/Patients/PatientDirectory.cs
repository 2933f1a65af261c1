using Ledger.App.Hosting;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Npgsql;

namespace Ledger.App.Patients;

/// <summary>
/// Finds a patient by СНИЛС or ЕНП without storing either: the table <c>patient_identifiers</c> maps keyed digests
/// (HMAC with the identifier hash key) to internal patient ids. Written inline, in the registration's own
/// transaction, so a patient is findable the moment the registration commits; two cabinets can never claim
/// the same identifier.
/// </summary>
public sealed class PatientDirectory(KeyedIdentifierHash hash, NpgsqlDataSource dataSource, LedgerRuntime runtime) : IInlineProjection
{
    public const string SnilsKind = "snils";
    public const string EnpKind = "enp";
    private const string Table = "patient_identifiers";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(PatientRegistered));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, "CREATE TABLE {table} (digest text PRIMARY KEY, patient_id uuid NOT NULL, kind text NOT NULL)") { PatientColumn = "patient_id" },
    ];

    /// <summary>The keyed digest of a СНИЛС (its 11 digits).</summary>
    public string Digest(Snils snils) => hash.Digest(SnilsKind, (snils ?? throw new ArgumentNullException(nameof(snils))).Digits);

    /// <summary>The keyed digest of an ЕНП (its 16 digits).</summary>
    public string Digest(Enp enp) => hash.Digest(EnpKind, (enp ?? throw new ArgumentNullException(nameof(enp))).Digits);

    /// <summary>The patient holding the identifier with this digest, or null.</summary>
    public async Task<PatientId?> FindAsync(string digest, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT patient_id FROM {runtime.Schema}.{Table} WHERE digest = @d");
        command.Parameters.AddWithValue("d", digest);
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new PatientId(id) : null;
    }

    public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var registered in events.Select(e => e.Data).OfType<PatientRegistered>())
        {
            var entries = new List<(string Digest, string Kind)> { (Digest(registered.Snils), SnilsKind) };
            if (registered.Enp is { } enp)
            {
                entries.Add((Digest(enp), EnpKind));
            }

            foreach (var (digest, kind) in entries)
            {
                await using var command = new NpgsqlCommand(
                    $"INSERT INTO {runtime.Schema}.{Table} (digest, patient_id, kind) VALUES (@d, @p, @k) ON CONFLICT (digest) DO NOTHING RETURNING 1",
                    context.Transaction.Connection,
                    context.Transaction);
                command.Parameters.AddWithValue("d", digest);
                command.Parameters.AddWithValue("p", registered.PatientId.Value);
                command.Parameters.AddWithValue("k", kind);
                if (await command.ExecuteScalarAsync(cancellationToken) is null)
                {
                    throw new DomainRejection($"patient.{kind}_taken", $"another cabinet is already registered with this {(kind == SnilsKind ? "СНИЛС" : "ЕНП")}");
                }
            }
        }
    }
}
