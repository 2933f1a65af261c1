using System.Security.Cryptography;
using Ledger.EventStore.Protection;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class MasterKeyConfigurationTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Several_keys_parse_and_the_first_is_current()
    {
        var keys = ConfiguredMasterKeys.Parse($" k-2026.1:{KeyA} ,k-2025_1:{KeyB}");

        Assert.Equal("k-2026.1", keys.CurrentKeyId);
        Assert.Equal(["k-2026.1", "k-2025_1"], keys.KeyIds);
        Assert.True(keys.Contains("k-2025_1"));
        Assert.False(keys.Contains("k-2024"));
    }

    [Fact]
    public void The_environment_variable_is_read_and_a_missing_one_is_named()
    {
        var variable = "LEDGER_TEST_KEYS_" + Guid.NewGuid().ToString("N");

        var missing = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.FromEnvironment(variable));
        Environment.SetEnvironmentVariable(variable, $"a:{KeyA}");
        try
        {
            Assert.Equal("a", ConfiguredMasterKeys.FromEnvironment(variable).CurrentKeyId);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Equal($"environment variable {variable} is not set", missing.Message);
        Assert.Equal("LEDGER_MASTER_KEYS", ConfiguredMasterKeys.DefaultVariable);
    }

    [Fact]
    public void A_key_file_takes_one_entry_per_line_with_comments_and_a_missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".keys");
        File.WriteAllText(path, $"# current first\nnew:{KeyA}\n\n# kept until rotation is done\nold:{KeyB}\n");
        try
        {
            var keys = ConfiguredMasterKeys.FromFile(path);
            Assert.Equal(["new", "old"], keys.KeyIds);
        }
        finally
        {
            File.Delete(path);
        }

        var missing = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.FromFile(path));
        Assert.Equal($"key file '{path}' does not exist", missing.Message);
    }

    [Fact]
    public void An_empty_configuration_is_refused()
    {
        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse(" , \n# nothing\n", "LEDGER_MASTER_KEYS"));

        Assert.Equal("LEDGER_MASTER_KEYS: no master key is configured (expected id:base64[,id:base64...])", error.Message);
    }

    [Fact]
    public void An_entry_without_an_id_is_refused_without_echoing_it()
    {
        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse($"a:{KeyA},{KeyB}", "keys"));

        Assert.Equal("keys: entry 2 is not of the form id:base64", error.Message);
        AssertNoKeyMaterial(error);
    }

    [Fact]
    public void A_key_that_is_not_base64_names_the_entry_and_the_id_only()
    {
        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse($"a:{KeyA},b:{KeyB[..20]}$!{KeyB[22..]}", "keys"));

        Assert.Equal("keys: entry 2 (id 'b'): the key is not valid base64", error.Message);
        AssertNoKeyMaterial(error);
    }

    [Fact]
    public void A_key_of_the_wrong_length_names_its_length()
    {
        var short16 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse($"a:{short16}", "keys"));

        Assert.Equal("keys: entry 1 (id 'a'): the key is 16 bytes, an AES-256 master key is 32", error.Message);
        Assert.DoesNotContain(short16, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_id_is_refused()
    {
        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse($"a:{KeyA},a:{KeyB}", "keys"));

        Assert.Equal("keys: entry 2: the id 'a' is used twice", error.Message);
        AssertNoKeyMaterial(error);
    }

    [Fact]
    public void An_id_with_other_characters_is_refused_without_echoing_it()
    {
        var error = Assert.Throws<KeyConfigurationException>(() => ConfiguredMasterKeys.Parse($"{KeyA[..10]}/x:{KeyA}", "keys"));

        Assert.Equal("keys: entry 1: the id must be 1-64 characters of A-Z a-z 0-9 . _ -", error.Message);
        AssertNoKeyMaterial(error);
    }

    [Fact]
    public void A_wrapped_key_unwraps_only_with_its_master_key_for_its_subject()
    {
        var keys = ConfiguredMasterKeys.Parse($"a:{KeyA},b:{KeyB}");
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var subject = Guid.NewGuid();

        var wrapped = keys.Wrap(dataKey, subject);

        Assert.Equal("a", wrapped.MasterKeyId);
        Assert.Equal(1 + 12 + 16 + 32, wrapped.Wrapped.Length);
        Assert.Equal(dataKey, keys.Unwrap("a", wrapped.Wrapped, subject));
        Assert.Throws<DataKeyCorruptedException>(() => keys.Unwrap("a", wrapped.Wrapped, Guid.NewGuid()));
        Assert.Throws<DataKeyCorruptedException>(() => keys.Unwrap("b", wrapped.Wrapped, subject));
        var unknown = Assert.Throws<UnknownMasterKeyException>(() => keys.Unwrap("c", wrapped.Wrapped, subject));
        Assert.Equal("master key 'c' is not configured", unknown.Message);
    }

    private static void AssertNoKeyMaterial(Exception error)
    {
        Assert.DoesNotContain(KeyA[..8], error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyB[..8], error.Message, StringComparison.Ordinal);
    }
}
