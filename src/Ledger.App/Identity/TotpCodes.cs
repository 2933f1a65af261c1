using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.Domain.Identifiers;
using NodaTime;
using OtpNet;
using QRCoder;

namespace Ledger.App.Identity;

/// <summary>
/// Time-based one-time codes (RFC 6238) through Otp.NET: HMAC-SHA-1, 6 digits, 30-second steps, a code accepted one
/// step before and after the current one. Secrets are 20 random bytes, written in base32.
/// </summary>
public static class TotpCodes
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The time step an instant falls in (Unix time / 30 s).</summary>
    public static long StepAt(Instant at) => at.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The 6-digit code of a base32 secret at an instant.</summary>
    public static string Compute(string secret, Instant at) => Compute(Base32Encoding.ToBytes(secret), at, Digits, OtpHashMode.Sha1);

    /// <summary>The code of a raw key at an instant with a digit count and a hash (for the RFC's test vectors).</summary>
    public static string Compute(byte[] key, Instant at, int digits, OtpHashMode mode) =>
        new Totp(key, StepSeconds, mode, digits).ComputeTotp(at.ToDateTimeUtc());

    /// <summary>The time step a 6-digit code is valid for at <paramref name="at"/> (±1 step), or null when it matches none.</summary>
    public static long? Match(string secret, string code, Instant at)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(secret), StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(at.ToDateTimeUtc(), code, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    /// <summary>The otpauth URI (Key Uri Format) an authenticator app reads: issuer, account label and secret.</summary>
    public static string Uri(string issuer, string label, string secret)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(label);
        var escapedIssuer = System.Uri.EscapeDataString(issuer);
        return $"otpauth://totp/{escapedIssuer}:{System.Uri.EscapeDataString(label)}?secret={secret}&issuer={escapedIssuer}&algorithm=SHA1&digits={Digits.ToString(CultureInfo.InvariantCulture)}&period={StepSeconds.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>A QR code of <paramref name="text"/> as an SVG document (to embed in a page).</summary>
    public static string QrSvg(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(4);
    }
}

/// <summary>
/// Recovery codes: ten codes of ten base32 characters (about 50 bits each), shown once as <c>XXXXX-XXXXX</c>, stored as
/// SHA-256 of the patient's id and the code. Each is accepted once.
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static IReadOnlyList<string> New() =>
        [.. Enumerable.Range(0, Count).Select(_ => string.Create(11, Alphabet, (span, a) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = i == 5 ? '-' : a[RandomNumberGenerator.GetInt32(a.Length)];
            }
        }))];

    public static string Hash(PatientId patient, string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var normalized = new string([.. code.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant)]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(patient.Value.ToString("N") + ":" + normalized)));
    }

    /// <summary>The index of the stored hash <paramref name="code"/> matches (every hash compared, in constant time), or null.</summary>
    public static int? IndexOf(IReadOnlyList<string> hashes, PatientId patient, string code)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var given = Encoding.ASCII.GetBytes(Hash(patient, code));
        int? found = null;
        for (var i = 0; i < hashes.Count; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(hashes[i])))
            {
                found = i;
            }
        }

        return found;
    }
}
