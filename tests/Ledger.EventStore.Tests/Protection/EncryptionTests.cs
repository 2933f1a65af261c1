using System.Text;
using Ledger.EventStore.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class EncryptionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private const string Name = "Philippa Quarterbuck";
    private const string Identifier = "ZX-4417-0093";
    private const long Number = 918273645;
    private const string Note = "prefers the blue entrance";

    [Fact]
    public async Task An_encrypted_append_reads_back_identical_payloads()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var stream = Guid.NewGuid();
        var subject = Guid.NewGuid();

        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Profiled(Name, Identifier, Number), new Noted(Note));

        var read = await scope.Store.ReadStreamAsync(stream);
        Assert.Equal(2, read.Count);
        Assert.All(read, e => Assert.False(e.IsErased));
        Assert.Single(read.Select(e => e.KeyId).Distinct());
        Assert.NotNull(read[0].KeyId);
        Assert.Equal(new Profiled(Name, Identifier, Number), scope.Store.Deserialize(read[0]));
        Assert.Equal(new Noted(Note), scope.Store.Deserialize(read[1]));
    }

    [Fact]
    public async Task The_raw_row_holds_ciphertext_only_and_no_plaintext_in_any_column()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var stream = Guid.NewGuid();
        await scope.AppendForAsync(stream, Guid.NewGuid(), ExpectedVersion.NoStream, new Profiled(Name, Identifier, Number), new Noted(Note));

        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND get_byte(bdata, 0) = 1"));
        Assert.Equal(2L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND get_byte(bdata, 0) = 2"));

        // Every column of the raw rows, text and bytea alike, as PostgreSQL renders them.
        var rows = await scope.RowsAsTextAsync($"SELECT e::text FROM {{schema}}.mt_events e WHERE stream_id = '{stream}'");
        rows.AddRange(await scope.RowsAsTextAsync("SELECT k::text FROM {schema}.data_keys k"));
        var secrets = new[] { Name, "Quarterbuck", Identifier, "4417", Number.ToString(System.Globalization.CultureInfo.InvariantCulture), Note, "blue entrance" };
        foreach (var row in rows)
        {
            // Text columns are searched as text; bytea columns (rendered as \x-hex) for the secrets' bytes. A short
            // digit string like "4417" can appear by chance inside random hex, so it is not searched for as text there.
            var withoutBytes = System.Text.RegularExpressions.Regex.Replace(row, @"\\x[0-9a-f]+", "<bytes>");
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, withoutBytes, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret)), row, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_ciphertext_is_a_version_byte_a_nonce_a_tag_and_the_encrypted_payload()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var stream = Guid.NewGuid();
        var subject = Guid.NewGuid();
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted(Note), new Noted(Note));

        var ciphertexts = await scope.ScalarAsync<byte[][]>($"SELECT array_agg(substring(bdata from 50) ORDER BY version) FROM {{schema}}.mt_events WHERE stream_id = '{stream}'");
        var plaintext = Encoding.UTF8.GetBytes("{\"text\": \"" + Note + "\"}");

        Assert.All(ciphertexts, c => Assert.Equal(1, c[0]));
        Assert.All(ciphertexts, c => Assert.Equal(1 + 12 + 16 + plaintext.Length, c.Length));
        Assert.NotEqual(ciphertexts[0].AsSpan(1, 12).ToArray(), ciphertexts[1].AsSpan(1, 12).ToArray());
    }

    [Fact]
    public async Task Each_subject_has_its_own_data_key_reused_across_its_streams()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var subject = Guid.NewGuid();
        var other = Guid.NewGuid();
        var streams = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };

        await scope.AppendForAsync(streams[0], subject, ExpectedVersion.NoStream, new Noted("a"));
        await scope.AppendForAsync(streams[1], subject, ExpectedVersion.NoStream, new Noted("b"));
        await scope.AppendForAsync(streams[2], other, ExpectedVersion.NoStream, new Noted("c"));

        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.data_keys"));
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(DISTINCT substring(bdata from 2 for 16)) FROM {schema}.mt_events"));
        Assert.Equal(32 + 29, await scope.ScalarAsync<int>($"SELECT length(wrapped_key) FROM {{schema}}.data_keys WHERE subject_id = '{subject}'"));
        Assert.Equal("m1", await scope.ScalarAsync<string>($"SELECT master_key_id FROM {{schema}}.data_keys WHERE subject_id = '{subject}'"));
        Assert.False(await scope.Protector.IsDestroyedAsync(subject));
    }

    [Fact]
    public async Task Plain_and_encrypted_events_live_side_by_side()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var plain = Guid.NewGuid();
        var sealedStream = Guid.NewGuid();
        await scope.Store.AppendAsync(plain, ExpectedVersion.NoStream, new Opened("public"));
        await scope.AppendForAsync(sealedStream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Note));

        var events = (await scope.Store.ReadStreamAsync(plain)).Concat(await scope.Store.ReadStreamAsync(sealedStream)).ToList();

        Assert.Equal([new Opened("public"), (object)new Noted(Note)], events.Select(scope.Store.Deserialize));
        Assert.Equal([false, true], events.Select(e => e.KeyId is not null));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events WHERE get_byte(bdata, 0) = 1"));
    }
}
