using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Ledger.EventStore.Schema;

/// <summary>One ordered schema change, embedded in an assembly as <c>NNNN_name.sql</c>.</summary>
public sealed record Migration(int Id, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text, recorded when applied; a changed published script is refused.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Creates and upgrades a schema from ordered, embedded scripts. Each script runs in its own
/// transaction and is recorded in <c>{schema}.migrations</c>; the whole run holds a session advisory lock,
/// so running twice, or from several processes at once, applies each script exactly once.
/// </summary>
public static class Migrator
{
    private const string ResourceMarker = ".Schema.Migrations.";

    /// <summary>The tables the ledger keeps beside Marten's (data keys, messages).</summary>
    public static IReadOnlyList<Migration> EventStoreMigrations { get; } = LoadFrom(typeof(Migrator).Assembly);


    /// <summary>Reads <c>*.Schema.Migrations.NNNN_name.sql</c> resources of an assembly, ordered by number.</summary>
    public static IReadOnlyList<Migration> LoadFrom(Assembly assembly) => LoadFrom(assembly, ResourceMarker);

    /// <summary>Reads <c>*{marker}NNNN_name.sql</c> resources of an assembly, ordered by number.</summary>
    public static IReadOnlyList<Migration> LoadFrom(Assembly assembly, string marker)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var file = resource[(resource.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^4];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file.AsSpan(0, underscore), out var id))
            {
                throw new InvalidOperationException($"migration resource '{resource}' is not named NNNN_name.sql");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(id, file[(underscore + 1)..], reader.ReadToEnd()));
        }

        var ordered = migrations.OrderBy(m => m.Id).ToList();
        var duplicate = ordered.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"two migrations share the number {duplicate.Key}");
        }

        return ordered;
    }

    /// <summary>Applies every script not yet recorded; returns the ids applied by this call.</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource dataSource, string schema, IReadOnlyList<Migration> migrations, string component = "event_store", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(migrations);
        new EventStoreOptions { Schema = schema }.Validate();
        var applied = new List<int>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@k)", cancellationToken, ("k", LockKeys.Migrations(schema)));
        try
        {
            await ExecuteAsync(connection, null, $"""
                CREATE SCHEMA IF NOT EXISTS {schema};
                CREATE TABLE IF NOT EXISTS {schema}.migrations (
                    component  text        NOT NULL,
                    id         int         NOT NULL,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (component, id));
                """, cancellationToken);

            var done = new Dictionary<int, string>();
            await using (var command = new NpgsqlCommand($"SELECT id, checksum FROM {schema}.migrations WHERE component = @c", connection))
            {
                command.Parameters.AddWithValue("c", component);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    done[reader.GetInt32(0)] = reader.GetString(1);
                }
            }

            foreach (var migration in migrations)
            {
                if (done.TryGetValue(migration.Id, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException($"migration {component}/{migration.Id:D4}_{migration.Name} was changed after it was applied (checksum {checksum} recorded, {migration.Checksum} now); add a new migration instead");
                    }

                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql.Replace("{schema}", schema, StringComparison.Ordinal), cancellationToken);
                await ExecuteAsync(connection, transaction, $"INSERT INTO {schema}.migrations (component, id, name, checksum) VALUES (@c, @i, @n, @s)", cancellationToken, ("c", component), ("i", migration.Id), ("n", migration.Name), ("s", migration.Checksum));
                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Id);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@k)", CancellationToken.None, ("k", LockKeys.Migrations(schema)));
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
