using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Results;

/// <summary>What a laboratory's abnormality flag means, when it is one of the HL7 v2 table 0078 codes we know.</summary>
public enum FlagMeaning
{
    Unknown,
    Normal,
    Low,
    High,
    CriticallyLow,
    CriticallyHigh,
    Abnormal,
    CriticallyAbnormal,
}

/// <summary>
/// The laboratory's own abnormality flag, kept exactly as sent (<c>N</c>, <c>L</c>, <c>H</c>, <c>LL</c>, <c>HH</c>,
/// <c>A</c>, <c>AA</c> or anything else); <see cref="Meaning"/> interprets the known codes. Serialized as the string.
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<AbnormalFlag>))]
public sealed record AbnormalFlag : IStringValue<AbnormalFlag>
{
    public const int MaxLength = 16;

    private AbnormalFlag(string code) => Code = code;

    public string Code { get; }

    public FlagMeaning Meaning => Code switch
    {
        "N" => FlagMeaning.Normal,
        "L" => FlagMeaning.Low,
        "H" => FlagMeaning.High,
        "LL" => FlagMeaning.CriticallyLow,
        "HH" => FlagMeaning.CriticallyHigh,
        "A" => FlagMeaning.Abnormal,
        "AA" => FlagMeaning.CriticallyAbnormal,
        _ => FlagMeaning.Unknown,
    };

    public static bool TryParse(string? text, [NotNullWhen(true)] out AbnormalFlag? flag, out string reason)
    {
        flag = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength)
        {
            reason = $"flag must be 1 to {MaxLength} characters";
            return false;
        }

        flag = new AbnormalFlag(text);
        reason = string.Empty;
        return true;
    }

    public static AbnormalFlag Parse(string text) =>
        TryParse(text, out var flag, out var reason) ? flag : throw new DomainValidationException("flag", reason);

    public override string ToString() => Code;
}
