using System.Collections.Concurrent;
using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;
using Wolverine.Attributes;
using Xunit;

namespace Ledger.App.Tests.Messaging;

/// <summary>A test message whose handler fails while <see cref="ProbeHandler.Failing"/> holds its id.</summary>
[MessageIdentity("tests.probe.v1")]
public sealed record Probe(Guid Id, string? Note = null);

/// <summary>A message class no handler takes.</summary>
[MessageIdentity("tests.unhandled.v1")]
public sealed record Unhandled(Guid Id);

/// <summary>Counts deliveries of each <see cref="Probe"/> and fails on demand.</summary>
public static class ProbeHandler
{
    public static ConcurrentDictionary<Guid, int> Attempts { get; } = new();

    public static ConcurrentDictionary<Guid, bool> Failing { get; } = new();

    public static ConcurrentDictionary<Guid, bool> Handled { get; } = new();

    public static void Handle(Probe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        Attempts.AddOrUpdate(probe.Id, 1, (_, n) => n + 1);
        if (Failing.ContainsKey(probe.Id))
        {
            throw new InvalidOperationException("the probe was told to fail");
        }

        Handled[probe.Id] = true;
    }
}

/// <summary>The follow-up messages on Wolverine: the outbox in the ledger's transaction, retries, dead letters, replay.</summary>
public sealed class FollowUpMessagingTests : IAsyncLifetime
{
    private LedgerHost host = null!;

    public async Task InitializeAsync() =>
        host = await LedgerHost.StartAsync(builder => builder.Services.ConfigureWolverine(options => options.Discovery.IncludeType(typeof(ProbeHandler))));

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task SendAsync(Probe probe, bool commit)
    {
        var outbox = host.Services.GetRequiredService<TransactionalOutbox>();
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batch = await outbox.EnlistAsync(transaction);
        await batch.SendAsync(probe);
        if (commit)
        {
            await transaction.CommitAsync();
            await batch.FlushAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    private async Task<long> ScalarAsync(string sql, Guid? id = null)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is { } value)
        {
            command.Parameters.AddWithValue("id", value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_message_sent_in_a_rolled_back_transaction_never_runs_and_one_sent_in_a_committed_one_runs_once()
    {
        var rolledBack = new Probe(Guid.NewGuid());
        var committed = new Probe(Guid.NewGuid());

        await SendAsync(rolledBack, commit: false);
        await SendAsync(committed, commit: true);
        await UntilAsync(() => Task.FromResult(ProbeHandler.Handled.ContainsKey(committed.Id)));

        // Two polling intervals more: a stored but unflushed message would have been recovered by now.
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.False(ProbeHandler.Attempts.ContainsKey(rolledBack.Id));
        Assert.Equal(1, ProbeHandler.Attempts[committed.Id]);
    }

    [Fact]
    public async Task A_message_no_handler_takes_is_refused_when_sent_and_nothing_is_stored()
    {
        var outbox = host.Services.GetRequiredService<TransactionalOutbox>();
        var id = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batch = await outbox.EnlistAsync(transaction);

        await Assert.ThrowsAsync<Wolverine.Runtime.Routing.IndeterminateRoutesException>(() => batch.SendAsync(new Unhandled(id)));
        await transaction.CommitAsync();

        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM ledger.wolverine_incoming_envelopes WHERE message_type = 'tests.unhandled.v1'"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM ledger.wolverine_outgoing_envelopes WHERE message_type = 'tests.unhandled.v1'"));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_retried_on_schedule_then_dead_lettered_and_a_replay_runs_it_after_the_fix()
    {
        var probe = new Probe(Guid.NewGuid());
        ProbeHandler.Failing[probe.Id] = true;
        var deadLetters = new DeadLetters(host.Services.GetRequiredService<NpgsqlDataSource>(), "ledger");

        await SendAsync(probe, commit: true);
        await UntilAsync(async () => (await deadLetters.ListAsync(100)).Any(l => l.MessageType == "tests.probe.v1"));

        // The first attempt and one per retry delay (two in the test host), then the dead letter.
        Assert.Equal(3, ProbeHandler.Attempts[probe.Id]);
        var letter = Assert.Single(await deadLetters.ListAsync(100), l => l.MessageType == "tests.probe.v1");
        Assert.Equal(typeof(InvalidOperationException).FullName, letter.ExceptionType);
        Assert.Contains("told to fail", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.False(ProbeHandler.Handled.ContainsKey(probe.Id));

        ProbeHandler.Failing.TryRemove(probe.Id, out _);
        Assert.True(await deadLetters.ReplayAsync(letter.MessageId));
        Assert.False(await deadLetters.ReplayAsync(Guid.NewGuid()));
        await UntilAsync(() => Task.FromResult(ProbeHandler.Handled.ContainsKey(probe.Id)), seconds: 30);
        Assert.Equal(4, ProbeHandler.Attempts[probe.Id]);
        await UntilAsync(async () => await ScalarAsync("SELECT count(*) FROM ledger.wolverine_dead_letters WHERE id = @id", letter.MessageId) == 0);
    }

    [Fact]
    public async Task Wolverine_s_tables_hold_no_name_or_identifier_of_a_patient_whose_messages_went_through_them()
    {
        // A registration (its follow-up carries keyed digests), an erasure (its second purge waits, scheduled) and a
        // dead letter: every kind of row Wolverine keeps.
        var patient = new PatientId(Guid.CreateVersion7());
        var command = new RegisterPatient(
            patient, FullName.Create("Иванова", "Мария", "Петровна"), BirthDate.Create(new NodaTime.LocalDate(1984, 6, 2), new NodaTime.LocalDate(2026, 3, 2)),
            Sex.Female, Snils.Parse("112-233-445 95"), Enp.Parse("7700000012345678"), null, null);
        await host.Services.GetRequiredService<CommandExecutor>().ExecuteAsync(Deciders.Patient, StreamIds.Patient(patient), command, new CommandContext(Guid.NewGuid(), new EventMetadata(), patient.Value));
        await UntilAsync(async () => await ScalarAsync("SELECT count(*) FROM ledger.wolverine_incoming_envelopes WHERE message_type = 'ingestion.resolve_pending_results.v1'") > 0);
        Assert.True(await host.Services.GetRequiredService<PatientErasure>().EraseAsync(patient, null, CancellationToken.None));
        var failing = new Probe(Guid.NewGuid());
        ProbeHandler.Failing[failing.Id] = true;
        await SendAsync(failing, commit: true);
        var deadLetters = new DeadLetters(host.Services.GetRequiredService<NpgsqlDataSource>(), "ledger");
        await UntilAsync(async () => (await deadLetters.ListAsync(100)).Any(l => l.MessageType == "tests.probe.v1"));

        var secrets = new[] { "Иванова", "Мария", "11223344595", "112-233-445 95", "7700000012345678", "1984-06-02" };
        var rows = await WolverineRowsAsync();
        Assert.Contains(rows, r => r.Contains("resolve_pending_results", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("purge_read_models", StringComparison.Ordinal));
        var leaks = secrets.SelectMany(secret => rows.Where(r => r.Contains(secret, StringComparison.Ordinal)).Select(r => $"'{secret}' in {r[..Math.Min(r.Length, 120)]}")).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));

        // The scan can fail: a message carrying a name in the clear is found.
        var control = new Probe(Guid.NewGuid(), "Иванова Мария");
        await SendAsync(control, commit: true);
        await UntilAsync(() => Task.FromResult(ProbeHandler.Handled.ContainsKey(control.Id)));
        Assert.Contains(await WolverineRowsAsync(), r => r.Contains("Иванова", StringComparison.Ordinal));
    }

    /// <summary>Every row of every Wolverine table in the ledger's schema, as text, with each bytea column decoded as UTF-8.</summary>
    private async Task<List<string>> WolverineRowsAsync()
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ledger' AND table_name LIKE 'wolverine%'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("wolverine_incoming_envelopes", tables);
        Assert.Contains("wolverine_dead_letters", tables);
        var rows = new List<string>();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT * FROM ledger.{table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var fields = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? string.Empty
                    : reader.GetValue(i) is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                rows.Add($"{table}: {string.Join(" | ", fields)}");
            }
        }

        return rows;
    }
}
