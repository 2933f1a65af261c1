using System.Security.Cryptography;
using System.Text;

namespace Ledger.App.Consents;

/// <summary>Share-link tokens: 256 random bits shown once; only their SHA-256 is kept (in the grant event, encrypted).</summary>
public static class ShareLinks
{
    /// <summary>A fresh token of 256 random bits (base64url) and its SHA-256.</summary>
    public static (string Token, byte[] Hash) NewToken()
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token ?? string.Empty));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
