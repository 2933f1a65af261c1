using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// A UCUM unit code such as <c>mmol/L</c> or <c>10*9/L</c>. Kept as sent and compared exactly (ordinal, case-sensitive:
/// in UCUM <c>m</c> and <c>M</c> differ).
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<UcumUnit>))]
public sealed record UcumUnit : IStringValue<UcumUnit>
{
    public const int MaxLength = 64;

    private UcumUnit(string code) => Code = code;

    public string Code { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out UcumUnit? unit, out string reason)
    {
        unit = null;
        if (string.IsNullOrEmpty(text))
        {
            reason = "unit is empty";
            return false;
        }

        if (text.Length > MaxLength)
        {
            reason = $"unit is {text.Length} characters long, at most {MaxLength} allowed";
            return false;
        }

        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            reason = $"unit '{text}' contains whitespace or a control character";
            return false;
        }

        unit = new UcumUnit(text);
        reason = string.Empty;
        return true;
    }

    public static UcumUnit Parse(string text) =>
        TryParse(text, out var unit, out var reason) ? unit : throw new DomainValidationException("unit", reason);

    public override string ToString() => Code;
}
