using Npgsql;

namespace Ledger.App.Patients;

/// <summary>A scheduled second purge of an erased patient's read models, once every node's key cache has expired.</summary>
[Wolverine.Attributes.MessageIdentity(Hosting.MessageCatalogue.PurgePatientReadModels)]
public sealed record PurgePatientReadModels(Guid PatientId);

/// <summary>The second purge: deletes what a node with a still-cached key may have projected meanwhile (idempotent).</summary>
public static class PurgePatientReadModelsHandler
{
    public static async Task HandleAsync(PurgePatientReadModels message, PatientErasure erasure, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(erasure);
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await erasure.PurgeAsync(transaction, message.PatientId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
