using System.Security.Cryptography;
using Ledger.EventStore.Protection;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class KeyedIdentifierHashTests
{
    private static readonly byte[] Secret = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_digest_is_64_lowercase_hex_characters_and_stable()
    {
        var hash = new KeyedIdentifierHash(Secret);

        var digest = hash.Digest("national-id", "12345678901");

        Assert.Matches("^[0-9a-f]{64}$", digest);
        Assert.Equal(digest, new KeyedIdentifierHash(Secret).Digest("national-id", "12345678901"));
        Assert.DoesNotContain("12345678901", digest, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_values_of_different_kinds_have_different_digests()
    {
        var hash = new KeyedIdentifierHash(Secret);

        Assert.NotEqual(hash.Digest("national-id", "1234"), hash.Digest("insurance-number", "1234"));
        Assert.NotEqual(hash.Digest("ab", "c"), hash.Digest("a", "bc"));
    }

    [Fact]
    public void Another_secret_gives_another_digest()
    {
        Assert.NotEqual(
            new KeyedIdentifierHash(Secret).Digest("national-id", "1234"),
            new KeyedIdentifierHash(RandomNumberGenerator.GetBytes(32)).Digest("national-id", "1234"));
    }

    [Fact]
    public void A_short_or_malformed_secret_is_refused_without_echoing_it()
    {
        var short16 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var valid = Convert.ToBase64String(Secret);

        var tooShort = Assert.Throws<KeyConfigurationException>(() => KeyedIdentifierHash.Parse(short16, "LEDGER_IDENTIFIER_HASH_KEY"));
        var notBase64 = Assert.Throws<KeyConfigurationException>(() => KeyedIdentifierHash.Parse(valid[..10] + "*" + valid[11..], "LEDGER_IDENTIFIER_HASH_KEY"));
        var two = Assert.Throws<KeyConfigurationException>(() => KeyedIdentifierHash.Parse(valid + "," + valid, "LEDGER_IDENTIFIER_HASH_KEY"));

        Assert.Equal("LEDGER_IDENTIFIER_HASH_KEY: the secret is 16 bytes, at least 32 are needed", tooShort.Message);
        Assert.Equal("LEDGER_IDENTIFIER_HASH_KEY: the secret is not valid base64", notBase64.Message);
        Assert.Equal("LEDGER_IDENTIFIER_HASH_KEY: 2 entries found, expected one base64 value", two.Message);
        Assert.Throws<KeyConfigurationException>(() => new KeyedIdentifierHash(new byte[31]));
    }

    [Fact]
    public void The_secret_is_read_from_the_environment_or_a_file()
    {
        var variable = "LEDGER_TEST_HASH_" + Guid.NewGuid().ToString("N");
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".key");
        var expected = new KeyedIdentifierHash(Secret).Digest("k", "v");
        Environment.SetEnvironmentVariable(variable, Convert.ToBase64String(Secret));
        File.WriteAllText(path, "# identifier hash secret\n" + Convert.ToBase64String(Secret) + "\n");
        try
        {
            Assert.Equal(expected, KeyedIdentifierHash.FromEnvironment(variable).Digest("k", "v"));
            Assert.Equal(expected, KeyedIdentifierHash.FromFile(path).Digest("k", "v"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            File.Delete(path);
        }

        Assert.Equal($"environment variable {variable} is not set", Assert.Throws<KeyConfigurationException>(() => KeyedIdentifierHash.FromEnvironment(variable)).Message);
        Assert.Equal("LEDGER_IDENTIFIER_HASH_KEY", KeyedIdentifierHash.DefaultVariable);
    }

    [Fact]
    public void A_guid_derived_from_a_digest_is_stable_and_marked_as_version_8()
    {
        var hash = new KeyedIdentifierHash(Secret);
        var digest = hash.Digest("national-id", "1234");

        var id = KeyedIdentifierHash.ToGuid(digest);

        Assert.Equal(id, KeyedIdentifierHash.ToGuid(digest));
        Assert.NotEqual(id, KeyedIdentifierHash.ToGuid(hash.Digest("national-id", "1235")));
        Assert.Equal(8, id.Version);
        Assert.StartsWith(digest[..8], id.ToString("N"), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_digest_converts_to_a_guid()
    {
        Assert.Throws<ArgumentException>(() => KeyedIdentifierHash.ToGuid("1234"));
        Assert.Throws<ArgumentException>(() => KeyedIdentifierHash.ToGuid(new string('A', 64)));
    }
}
