using Ledger.App.Patients;
using Ledger.Domain;
using Ledger.Domain.Identity;
using Ledger.EventStore.Projections;
using NodaTime;
using Npgsql;

namespace Ledger.App.Identity;

/// <summary>One line of the patient's sign-in journal: when, from where, with which browser, and what came of it.</summary>
/// <param name="Outcome"><c>signedIn</c>, <c>failed</c>, <c>locked</c> or <c>signedOut</c>.</param>
/// <param name="Method">For a sign-in: <c>totp</c>, <c>recoveryCode</c> or <c>totpEnrolment</c>.</param>
/// <param name="Reason">For a failure: <c>password</c>, <c>secondFactor</c>, <c>replayedCode</c>, <c>recoveryCode</c> or <c>locked</c>.</param>
/// <param name="LockedUntil">For a lock-out: when the account opens again.</param>
public sealed record SignInEntry(Instant At, string Outcome, string? Method, string? Reason, string? Address, string? UserAgent, Instant? LockedUntil)
{
    public static SignInEntry? Of(IAccountEvent e) => e switch
    {
        SignInSucceeded s => new(s.SignedInAt, "signedIn", Camel(s.Method.ToString()), null, s.Client.Address, s.Client.UserAgent, null),
        SignInFailed f => new(f.FailedAt, "failed", null, Camel(f.Reason.ToString()), f.Client.Address, f.Client.UserAgent, null),
        AccountLocked l => new(l.LockedAt, "locked", null, null, l.Client.Address, l.Client.UserAgent, l.LockedUntil),
        SignedOut o => new(o.SignedOutAt, "signedOut", null, null, o.Client.Address, o.Client.UserAgent, null),
        _ => null,
    };

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}

/// <summary>
/// <c>sign_in_journal</c>: every sign-in, failure, lock-out and sign-out of a patient's account, with the address and the
/// user agent (decrypted from the events, which hold them under the patient's key).
/// </summary>
public sealed class SignInJournalProjection : IProjection
{
    public const string Table = "sign_in_journal";

    public string Name => "sign_in_journal";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(SignInSucceeded), typeof(SignInFailed), typeof(AccountLocked), typeof(SignedOut));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                event_id uuid PRIMARY KEY,
                patient_id uuid NOT NULL,
                at timestamptz NOT NULL,
                stream_version bigint NOT NULL,
                outcome text NOT NULL,
                method text NULL,
                reason text NULL,
                address text NULL,
                user_agent text NULL,
                locked_until timestamptz NULL);
            CREATE INDEX {name}_patient ON {table} (patient_id, at, stream_version)
            """) { PatientColumn = "patient_id" },
    ];

    public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        foreach (var recorded in batch.Events.Where(e => !e.IsErased))
        {
            var data = batch.Deserialize(recorded);
            if (data is not IAccountEvent e || SignInEntry.Of(e) is not { } entry)
            {
                continue;
            }

            var patient = e switch
            {
                SignInSucceeded s => s.PatientId,
                SignInFailed f => f.PatientId,
                AccountLocked l => l.PatientId,
                SignedOut o => o.PatientId,
                _ => throw new InvalidOperationException($"no patient on {e.GetType().Name}"),
            };
            patients.Add(patient.Value);
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO {table} (event_id, patient_id, at, stream_version, outcome, method, reason, address, user_agent, locked_until)
                VALUES (@e, @p, @at, @v, @o, @m, @r, @a, @u, @l) ON CONFLICT (event_id) DO NOTHING
                """);
            command.Parameters.AddWithValue("e", recorded.EventId);
            command.Parameters.AddWithValue("p", patient.Value);
            command.Parameters.AddWithValue("at", entry.At.ToDateTimeUtc());
            command.Parameters.AddWithValue("v", recorded.StreamVersion);
            command.Parameters.AddWithValue("o", entry.Outcome);
            command.Parameters.AddWithValue("m", (object?)entry.Method ?? DBNull.Value);
            command.Parameters.AddWithValue("r", (object?)entry.Reason ?? DBNull.Value);
            command.Parameters.AddWithValue("a", (object?)entry.Address ?? DBNull.Value);
            command.Parameters.AddWithValue("u", (object?)entry.UserAgent ?? DBNull.Value);
            command.Parameters.AddWithValue("l", entry.LockedUntil is { } until ? until.ToDateTimeUtc() : DBNull.Value);
            batch.Add(command);
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, []) is { } purge)
        {
            batch.Add(purge);
        }

        return Task.CompletedTask;
    }
}
