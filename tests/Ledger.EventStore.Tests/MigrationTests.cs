using Ledger.EventStore.Schema;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class MigrationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Running_migrations_twice_applies_each_script_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        const string schema = "twice";

        var first = await Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations);
        var second = await Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations);

        Assert.Equal(Migrator.EventStoreMigrations.Select(m => m.Id), first);
        Assert.Empty(second);
    }

    [Fact]
    public async Task Migrations_from_several_processes_at_once_apply_each_script_once()
    {
        const string schema = "racing";
        var runs = Enumerable.Range(0, 6).Select(async _ =>
        {
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            return await Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations);
        });

        var applied = await Task.WhenAll(runs);

        Assert.Equal(Migrator.EventStoreMigrations.Select(m => m.Id), applied.SelectMany(a => a).Order());
        await using var check = NpgsqlDataSource.Create(database.ConnectionString);
        await using var command = check.CreateCommand($"SELECT count(*) FROM {schema}.migrations");
        Assert.Equal((long)Migrator.EventStoreMigrations.Count, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_published_script_changed_afterwards_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        const string schema = "changed";
        await Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations);
        var altered = Migrator.EventStoreMigrations.Select((m, i) => i == 0 ? m with { Sql = m.Sql + "\n-- edited" } : m).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator.MigrateAsync(dataSource, schema, altered));

        Assert.Contains("was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_schema_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new EventStoreOptions { Schema = "x; DROP TABLE y" }.Validate());
    }
}
