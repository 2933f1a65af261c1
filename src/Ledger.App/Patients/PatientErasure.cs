using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using NodaTime;
using Npgsql;

namespace Ledger.App.Patients;

/// <summary>
/// Crypto-shredding of a patient (<c>POST /api/v1/patients/{id}/erase</c>, admin): records the erasure in
/// <c>patient_erasures</c> (ids and identifier digests only), destroys the patient's data key and the keys of the
/// subjects derived from their СНИЛС/ЕНП digests (results delivered before the cabinet existed), and purges the patient's
/// rows from every read model. Projections skip erased events and drop rows of erased patients at the end of each
/// batch, so neither a batch in flight nor a rebuild brings them back; a second purge runs after the key cache TTL.
/// The event <c>patients.erased.v1</c> (in the clear: ids and time only) is appended to the patient's stream once the
/// keys are destroyed; the erasure table serves the projections' lookups.
/// </summary>
public sealed class PatientErasure(
    NpgsqlDataSource dataSource,
    LedgerRuntime runtime,
    DataKeyProtector keys,
    PatientDirectory directory,
    EventStore.EventStore store,
    TransactionalOutbox outbox,
    IClock clock,
    IReadOnlyList<IInlineProjection> inlineProjections,
    IReadOnlyList<IProjection> projections)
{
    public const string Table = "patient_erasures";

    /// <summary>Every read-model table that declares it holds a patient's rows (<see cref="ProjectionTable.PatientColumn"/>).</summary>
    public IReadOnlyList<ProjectionTable> PatientTables { get; } =
        inlineProjections.SelectMany(p => p.Tables).Concat(projections.SelectMany(p => p.Tables)).Where(t => t.PatientColumn is not null).ToList();

    public static ProjectionTable Definition { get; } = new(Table, """
        CREATE TABLE {table} (patient_id uuid PRIMARY KEY, digests text[] NOT NULL, erased_at timestamptz NOT NULL, erased_by uuid NULL)
        """);

    public async Task<bool> EraseAsync(PatientId patient, Guid? admin, CancellationToken cancellationToken)
    {
        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(patient), cancellationToken: cancellationToken);
        var digests = new List<string>();
        if (state.Snils is { } snils)
        {
            digests.Add(directory.Digest(snils));
        }

        if (state.Enp is { } enp)
        {
            digests.Add(directory.Digest(enp));
        }

        if (!state.Registered && !await keys.IsDestroyedAsync(patient.Value, cancellationToken))
        {
            return false;
        }

        await using (var command = dataSource.CreateCommand($"""
            INSERT INTO {runtime.Schema}.{Table} (patient_id, digests, erased_at, erased_by) VALUES (@p, @d, @at, @by)
            ON CONFLICT (patient_id) DO UPDATE SET digests = ARRAY(SELECT DISTINCT unnest({Table}.digests || excluded.digests))
            """))
        {
            command.Parameters.AddWithValue("p", patient.Value);
            command.Parameters.AddWithValue("d", digests.ToArray());
            command.Parameters.AddWithValue("at", clock.GetCurrentInstant().ToDateTimeUtc());
            command.Parameters.AddWithValue("by", (object?)admin ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await keys.DestroyKeyAsync(patient.Value, cancellationToken);
        foreach (var digest in digests)
        {
            await keys.DestroyKeyAsync(KeyedIdentifierHash.ToGuid(digest), cancellationToken);
        }

        // The record of the shredding, in the clear (nothing left to encrypt it under) and idempotent per patient.
        var erasedAt = clock.GetCurrentInstant();
        await store.AppendAsync(
            StreamIds.Patient(patient),
            StreamIds.PatientKind,
            ExpectedVersion.Any,
            [new EventToAppend(Streams.CommandExecutor.EventIdFor(patient.Value, -1), new PatientErased(patient, admin is { } by ? new ActorId(by) : null, erasedAt), new EventMetadata(ActorKind: "admin", ActorId: admin?.ToString()))],
            cancellationToken: cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PurgeAsync(transaction, patient.Value, cancellationToken);
        var messages = await outbox.EnlistAsync(transaction);
        await messages.ScheduleAsync(new PurgePatientReadModels(patient.Value), (keys.CacheTtl + Duration.FromSeconds(5)).ToTimeSpan());
        await transaction.CommitAsync(cancellationToken);
        await messages.FlushAsync();
        return true;
    }

    /// <summary>Deletes the patient's rows (and rows kept under their identifier digests) from every read model.</summary>
    public async Task PurgeAsync(NpgsqlTransaction transaction, Guid patientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        foreach (var declared in PatientTables)
        {
            var table = declared.Name;
            var sql = declared.DigestColumn is { } digest
                ? $"DELETE FROM {runtime.Schema}.{table} t USING {runtime.Schema}.{Table} e WHERE e.patient_id = @p AND (t.{declared.PatientColumn} = e.patient_id OR t.{digest} = ANY(e.digests))"
                : $"DELETE FROM {runtime.Schema}.{table} WHERE {declared.PatientColumn} = @p";
            await using var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", transaction.Connection, transaction);
            exists.Parameters.AddWithValue("t", $"{runtime.Schema}.{table}");
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                continue;
            }

            await using var delete = new NpgsqlCommand(sql, transaction.Connection, transaction);
            delete.Parameters.AddWithValue("p", patientId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// For projections, at the end of a batch: a write that drops from <paramref name="table"/> (the live table or its
    /// shadow) the rows of the batch's patients (and identifier digests) that have been erased meanwhile. Only the
    /// patients the batch touched are looked up, so a batch of a patient never erased costs one indexed query. Null
    /// when the batch touched nobody.
    /// </summary>
    public static NpgsqlBatchCommand? PurgeErased(string schema, string table, IReadOnlyCollection<Guid> patients, IReadOnlyCollection<string> digests)
    {
        ArgumentNullException.ThrowIfNull(patients);
        ArgumentNullException.ThrowIfNull(digests);
        if (patients.Count == 0 && digests.Count == 0)
        {
            return null;
        }

        var command = new NpgsqlBatchCommand(digests.Count > 0
            ? $"""
              DELETE FROM {table} t USING {schema}.{Table} e
              WHERE (e.patient_id = ANY(@p) OR e.digests && @d) AND (t.patient_id = e.patient_id OR t.identifier_digest = ANY(e.digests))
              """
            : $"DELETE FROM {table} t USING {schema}.{Table} e WHERE e.patient_id = ANY(@p) AND t.patient_id = e.patient_id");
        command.Parameters.AddWithValue("p", patients.ToArray());
        if (digests.Count > 0)
        {
            command.Parameters.AddWithValue("d", digests.ToArray());
        }

        return command;
    }

    public static void MapErase(IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/v1/patients/{id}/erase", async Task<IResult> (string id, HttpContext http, PatientErasure erasure, CancellationToken ct) =>
        {
            if (!PatientId.TryParse(id, out var patient, out var reason))
            {
                return ProblemTypes.Invalid("id", reason);
            }

            return await erasure.EraseAsync(patient, http.User.SubjectId(), ct)
                ? TypedResults.Ok(new PatientErasedResponse(patient.Value, true))
                : PatientHttp.NotFound("no such patient");
        }).RequireAuthorization(p => p.RequireRole(Roles.Admin)).WithTags("Patients")
            .WithName("erasePatient").WithSummary("Erase a patient: destroy the data keys and delete the read-model rows (repeatable)")
            .Produces<PatientErasedResponse>().Problems(StatusCodes.Status404NotFound);
}
