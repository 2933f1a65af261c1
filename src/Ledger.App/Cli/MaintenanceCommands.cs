using Ledger.App.Hosting;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Verification;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary><c>ledger migrate</c>, <c>ledger verify</c> and <c>ledger checkpoint</c>.</summary>
public static class MaintenanceCommands
{
    public static async Task<int> MigrateAsync(LedgerSettings settings, IClock clock, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, log);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var applied = await LedgerSchema.MigrateAsync(dataSource, settings.Schema, clock);
        await output.WriteLineAsync(applied.Count == 0 ? "schema is up to date" : $"applied migrations: {string.Join(", ", applied)}");
        return 0;
    }

    /// <summary>
    /// Recomputes every hash chain, then compares the signed checkpoints with the events (signatures checked with the
    /// public key of <paramref name="publicKeyFile"/>, or of the configured signing key): one line per finding.
    /// </summary>
    public static async Task<int> VerifyAsync(LedgerSettings settings, string? publicKeyFile, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var publicKey = publicKeyFile is null ? null : await File.ReadAllTextAsync(publicKeyFile);
        await using var database = await Database.OpenAsync(settings, log);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var report = await new StoreVerifier(dataSource, settings.Schema).VerifyAsync();
        foreach (var issue in report.Issues)
        {
            await output.WriteLineAsync(issue.ToString());
        }

        if (publicKey is null)
        {
            using var signer = LedgerKeys.Load(settings.Home, log).CheckpointSigner();
            publicKey = signer.PublicKeyPem;
        }

        var checkpoints = new CheckpointStore(dataSource, settings.Schema);
        var findings = await checkpoints.AuditAsync(publicKey);
        foreach (var finding in findings)
        {
            await output.WriteLineAsync(finding.ToString());
        }

        var count = (await checkpoints.ListAsync()).Count;
        var problems = report.Issues.Count + findings.Count;
        await output.WriteLineAsync($"{report.StreamsChecked} streams, {report.EventsChecked} events, {count} signed checkpoint(s) checked: {(problems == 0 ? "no tampering found" : $"{problems} problem(s)")}");
        return problems == 0 ? 0 : 1;
    }

    /// <summary>Takes a signed checkpoint now and prints its line's summary (and, with <c>--public-key</c>, the auditor's key).</summary>
    public static async Task<int> CheckpointAsync(LedgerSettings settings, IClock clock, bool printPublicKey, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(output);
        using var signer = LedgerKeys.Load(settings.Home, log).CheckpointSigner();
        if (printPublicKey)
        {
            await output.WriteAsync(signer.PublicKeyPem);
            return 0;
        }

        await using var database = await Database.OpenAsync(settings, log);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var signed = await new CheckpointStore(dataSource, settings.Schema).CreateAsync(signer, clock.GetCurrentInstant());
        await output.WriteLineAsync($"checkpoint {signed.Checkpoint.Sequence}: {signed.Checkpoint.Heads.Count} streams up to position {signed.Checkpoint.GlobalPosition}, signed with key {signed.KeyId}");
        return 0;
    }
}
