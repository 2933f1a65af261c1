using Ledger.App.Hosting;
using Npgsql;
using Wolverine.Attributes;

namespace Ledger.App.Ingestion;

/// <summary>A cabinet was opened: find the results that arrived for its identifiers before it existed.</summary>
[MessageIdentity(MessageCatalogue.ResolvePendingResults)]
public sealed record ResolvePendingResults(Guid PatientId, IReadOnlyList<string> Digests);

/// <summary>
/// Fans out one <see cref="ResolvePendingDocument"/> per pending document (Wolverine cascades them, one document per
/// message). Delivered twice, it sends the same documents again, and those appends are idempotent.
/// </summary>
public static class ResolvePendingResultsHandler
{
    public static async Task<IEnumerable<ResolvePendingDocument>> HandleAsync(ResolvePendingResults message, IngestionTables tables, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var documents = await tables.PendingAsync(transaction, message.Digests, cancellationToken);
        return documents.Select(document => new ResolvePendingDocument(message.PatientId, document)).ToList();
    }
}
