using System.Globalization;
using System.Text;
using Ledger.EventStore.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

/// <summary>Payloads from the compression threshold on are compressed, then encrypted (envelope version 2).</summary>
public sealed class CompressionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    /// <summary>A lab-report-like text of about 2 kB: repetitive, as JSON payloads are.</summary>
    private static readonly string Report = string.Join(
        "; ",
        Enumerable.Range(1, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"analyte {i}: {i * 1.7:F1} mmol/L (reference 3.5-{5 + (i % 4)}.0), final")));

    [Fact]
    public async Task A_long_payload_is_stored_compressed_and_encrypted_and_reads_back_identical()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var stream = Guid.NewGuid();
        await scope.AppendForAsync(stream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Report));

        var stored = await scope.ScalarAsync<byte[]>($"SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{stream}'");
        var plaintextLength = Encoding.UTF8.GetByteCount("{\"text\": \"" + Report + "\"}");
        Assert.True(plaintextLength > 2_000, $"the test payload is {plaintextLength} bytes");
        Assert.Equal(2, stored[0]);
        Assert.True(stored.Length < plaintextLength / 3, $"{stored.Length} stored bytes for a {plaintextLength}-byte payload");
        Assert.DoesNotContain(Convert.ToHexStringLower(Encoding.UTF8.GetBytes("analyte 17")), Convert.ToHexStringLower(stored), StringComparison.Ordinal);
        Assert.Equal(new Noted(Report), scope.Store.Deserialize(Assert.Single(await scope.Store.ReadStreamAsync(stream))));
    }

    [Fact]
    public async Task Payloads_below_the_threshold_or_with_compression_off_are_stored_as_version_1()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (shortStream, longStream) = (Guid.NewGuid(), Guid.NewGuid());
        var keys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m2"));
        await using var withoutCompression = await ProtectedStore.CreateAsync(database, keys, compressionThreshold: int.MaxValue);
        await scope.AppendForAsync(shortStream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted("short"));
        await withoutCompression.AppendForAsync(longStream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Report));

        var shortStored = await scope.ScalarAsync<byte[]>($"SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{shortStream}'");
        var longStored = await withoutCompression.ScalarAsync<byte[]>($"SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{longStream}'");
        Assert.Equal(1, shortStored[0]);
        Assert.Equal(1, longStored[0]);
        Assert.Equal(29 + Encoding.UTF8.GetByteCount("{\"text\": \"" + Report + "\"}"), longStored.Length);
        Assert.Equal(DataKeyProtector.DefaultCompressionThreshold, scope.Protector.CompressionThreshold);
        Assert.Equal(int.MaxValue, withoutCompression.Protector.CompressionThreshold);
    }

    [Fact]
    public async Task Either_form_is_read_whatever_the_reader_s_threshold()
    {
        var keys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, keys);
        var (compressed, plain) = (Guid.NewGuid(), Guid.NewGuid());
        var uncompressing = scope.NewStore(scope.NewProtector(keys, compressionThreshold: int.MaxValue));
        await scope.AppendForAsync(compressed, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Report));
        await ProtectedStore.AppendForAsync(uncompressing, plain, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Report + " (plain)"));

        foreach (var reader in new[] { scope.Store, uncompressing })
        {
            Assert.Equal(new Noted(Report), reader.Deserialize(Assert.Single(await reader.ReadStreamAsync(compressed))));
            Assert.Equal(new Noted(Report + " (plain)"), reader.Deserialize(Assert.Single(await reader.ReadStreamAsync(plain))));
        }
    }

    [Fact]
    public async Task A_compressed_payload_relabelled_as_version_1_or_altered_fails_authentication()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var stream = Guid.NewGuid();
        await scope.AppendForAsync(stream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted(Report));
        var original = await scope.ScalarAsync<byte[]>($"SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{stream}'");
        Assert.Equal(2, original[0]);

        // The version byte is authenticated in version 2: relabelled as 1, the body is not accepted as a plain payload.
        foreach (var (index, value) in new[] { (0, 1), (0, 3), (30, (original[30] + 1) % 256), (original.Length - 1, (original[^1] + 1) % 256) })
        {
            await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = set_byte(bdata, 49 + {index}, {value}) WHERE stream_id = '{stream}'");
            await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream));
            await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = substring(bdata from 1 for 49) || '\\x{Convert.ToHexStringLower(original)}'::bytea WHERE stream_id = '{stream}'");
        }

        Assert.Equal(new Noted(Report), scope.Store.Deserialize(Assert.Single(await scope.Store.ReadStreamAsync(stream))));
    }

    [Fact]
    public void A_negative_threshold_is_refused()
    {
        using var dataSource = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DataKeyProtector(dataSource, "ledger", new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1")), FakeClock.At(2026, 1, 1), compressionThreshold: -1));
        Assert.Equal("compressionThreshold", error.ParamName);
    }
}
