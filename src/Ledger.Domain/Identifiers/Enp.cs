using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// ЕНП, the unified number of an OMS (compulsory medical insurance) policy: exactly 16 digits. No check digit is
/// verified: no normative source for one has been confirmed.
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<Enp>))]
public sealed record Enp : IStringValue<Enp>
{
    private Enp(string digits) => Digits = digits;

    public string Digits { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out Enp? enp, out string reason)
    {
        enp = null;
        if (!DigitText.TryNormalize(text, "ЕНП", [16], out var digits, out reason))
        {
            return false;
        }

        enp = new Enp(digits);
        return true;
    }

    public static Enp Parse(string text) =>
        TryParse(text, out var enp, out var reason) ? enp : throw new DomainValidationException("enp", reason);

    public override string ToString() => Digits;
}
