using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>A SHA-256 content hash: 64 hexadecimal digits, normalized to lower case.</summary>
[JsonConverter(typeof(StringValueJsonConverter<ContentHash>))]
public sealed record ContentHash : IStringValue<ContentHash>
{
    private ContentHash(string hex) => Hex = hex;

    public string Hex { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out ContentHash? hash, out string reason)
    {
        hash = null;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length != 64)
        {
            reason = $"SHA-256 hash has {trimmed.Length} characters, expected 64 hexadecimal digits";
            return false;
        }

        if (!trimmed.All(char.IsAsciiHexDigit))
        {
            reason = "SHA-256 hash may contain only hexadecimal digits";
            return false;
        }

        hash = new ContentHash(trimmed.ToLowerInvariant());
        reason = string.Empty;
        return true;
    }

    public static ContentHash Parse(string text) =>
        TryParse(text, out var hash, out var reason) ? hash : throw new DomainValidationException("sha256", reason);

    public override string ToString() => Hex;
}
