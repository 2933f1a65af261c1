using Ledger.App.Hosting;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using NodaTime;
using Npgsql;

namespace Ledger.App.Identity;

/// <summary>
/// <c>account_logins</c>: finds an account by its login without storing the login (a keyed digest, like the patient
/// identifiers), and holds when the patient last signed out, which ends every session issued before. Written inline,
/// in the append's own transaction: a login is usable the moment the account commits, two accounts can never share
/// one, and a sign-out is in force when it commits.
/// </summary>
public sealed class AccountDirectory(KeyedIdentifierHash hash, NpgsqlDataSource dataSource, LedgerRuntime runtime) : IInlineProjection
{
    public const string Table = "account_logins";
    private const string LoginKind = "login";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(AccountOpened), typeof(SignedOut));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, "CREATE TABLE {table} (digest text PRIMARY KEY, patient_id uuid NOT NULL UNIQUE, signed_out_at timestamptz NULL)") { PatientColumn = "patient_id" },
    ];

    /// <summary>Logins compare without case and surrounding spaces.</summary>
    public static string Normalize(string login) => (login ?? throw new ArgumentNullException(nameof(login))).Trim().ToLowerInvariant();

    public string Digest(string login) => hash.Digest(LoginKind, Normalize(login));

    /// <summary>The patient whose account has this login, or null.</summary>
    public async Task<PatientId?> FindAsync(string login, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT patient_id FROM {runtime.Schema}.{Table} WHERE digest = @d");
        command.Parameters.AddWithValue("d", Digest(login));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new PatientId(id) : null;
    }

    /// <summary>
    /// Whether a session of the patient issued at <paramref name="signedInAt"/> is still valid: the account exists (it
    /// is gone after an erasure) and the patient has not signed out since.
    /// </summary>
    public async Task<bool> SessionValidAsync(Guid patientId, Instant signedInAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT signed_out_at FROM {runtime.Schema}.{Table} WHERE patient_id = @p");
        command.Parameters.AddWithValue("p", patientId);
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            null => false,
            DBNull => true,
            DateTime signedOut => Instant.FromDateTimeUtc(DateTime.SpecifyKind(signedOut, DateTimeKind.Utc)) < signedInAt,
            _ => false,
        };
    }

    public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var data in events.Select(e => e.Data))
        {
            await using var command = new NpgsqlCommand { Connection = context.Transaction.Connection, Transaction = context.Transaction };
            switch (data)
            {
                case AccountOpened opened:
                    command.CommandText = $"INSERT INTO {runtime.Schema}.{Table} (digest, patient_id) VALUES (@d, @p) ON CONFLICT DO NOTHING RETURNING 1";
                    command.Parameters.AddWithValue("d", Digest(opened.Login));
                    command.Parameters.AddWithValue("p", opened.PatientId.Value);
                    if (await command.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        throw new DomainRejection("account.login_taken", "another account has this login");
                    }

                    break;
                case SignedOut signedOut:
                    command.CommandText = $"UPDATE {runtime.Schema}.{Table} SET signed_out_at = @at WHERE patient_id = @p";
                    command.Parameters.AddWithValue("at", signedOut.SignedOutAt.ToDateTimeUtc());
                    command.Parameters.AddWithValue("p", signedOut.PatientId.Value);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    break;
            }
        }
    }
}
