using System.Security.Cryptography;
using System.Text;
using Ledger.Domain.Identity;

namespace Ledger.App.Identity;

/// <summary>
/// Passwords as PBKDF2-HMAC-SHA256 with a random 16-byte salt per account and a 32-byte key; the iteration count is
/// stored with the hash. Comparison is constant-time.
/// </summary>
public static class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha256";
    private const int SaltSize = 16;
    private const int KeySize = 32;
    private static readonly byte[] DecoySalt = RandomNumberGenerator.GetBytes(SaltSize);

    public static PasswordHash Hash(string password, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeySize);
        return new PasswordHash(Algorithm, iterations, Convert.ToBase64String(salt), Convert.ToBase64String(key));
    }

    public static bool Verify(string password, PasswordHash stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Algorithm != Algorithm)
        {
            return false;
        }

        var expected = Convert.FromBase64String(stored.Hash);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(stored.Salt), stored.Iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>The same work as a check, for a login that names no account, so that the answer takes as long.</summary>
    public static void Decoy(string password, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password ?? string.Empty), DecoySalt, iterations, HashAlgorithmName.SHA256, KeySize);

    /// <summary>A new random password for an account created without one: 16 characters of an unambiguous alphabet (about 80 bits).</summary>
    public static string Generate()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(16, alphabet, (span, a) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = a[RandomNumberGenerator.GetInt32(a.Length)];
            }
        });
    }
}

/// <summary>The rules a new password must meet (docs/identity.md).</summary>
public static class PasswordRules
{
    public const int MinimumLength = 10;
    public const int MaximumLength = 128;

    /// <summary>A few of the passwords most often found in leaked lists (checked case-insensitively).</summary>
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "1234567890", "12345678910", "0987654321", "1111111111", "1q2w3e4r5t", "qwertyuiop", "qwerty1234", "password12",
        "password123", "passw0rd123", "1qaz2wsx3edc", "zaq12wsxcde", "iloveyou12", "abcdefghij", "abc1234567", "qwertyqwerty",
        "йцукенгшщз", "пароль1234", "пароль12345", "0123456789", "9876543210", "administrator", "letmein123", "welcome123",
    };

    /// <summary>What is wrong with <paramref name="password"/>, or null when it may be used.</summary>
    public static string? Problem(string? password, string? login)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            return $"at least {MinimumLength} characters";
        }

        if (password.Length > MaximumLength)
        {
            return $"at most {MaximumLength} characters";
        }

        if (password.Distinct().Count() < 4)
        {
            return "at least 4 different characters";
        }

        if (Common.Contains(password))
        {
            return "not one of the most common passwords";
        }

        return login is not null && password.Contains(login.Trim(), StringComparison.OrdinalIgnoreCase) && login.Trim().Length > 0
            ? "must not contain the login"
            : null;
    }
}
