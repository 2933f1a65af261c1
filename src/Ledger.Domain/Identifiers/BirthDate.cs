using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;
using NodaTime;
using NodaTime.Text;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// A date of birth: not in the future (relative to a <c>today</c> the caller passes in) and not before
/// <see cref="Earliest"/>. Serialized as an ISO date.
/// </summary>
[JsonConverter(typeof(BirthDateJsonConverter))]
public readonly record struct BirthDate
{
    public static readonly LocalDate Earliest = new(1880, 1, 1);

    private BirthDate(LocalDate value) => Value = value;

    public LocalDate Value { get; }

    public static bool TryCreate(LocalDate value, LocalDate today, out BirthDate birthDate, out string reason)
    {
        birthDate = default;
        if (value > today)
        {
            reason = $"birth date {Iso(value)} is after today ({Iso(today)})";
            return false;
        }

        if (value < Earliest)
        {
            reason = $"birth date {Iso(value)} is before {Iso(Earliest)}";
            return false;
        }

        birthDate = new BirthDate(value);
        reason = string.Empty;
        return true;
    }

    public static BirthDate Create(LocalDate value, LocalDate today) =>
        TryCreate(value, today, out var birthDate, out var reason)
            ? birthDate
            : throw new DomainValidationException("birthDate", reason);

    /// <summary>Parses an ISO date (<c>yyyy-MM-dd</c>) and validates it against <paramref name="today"/>.</summary>
    public static bool TryParse(string? text, LocalDate today, out BirthDate birthDate, out string reason)
    {
        birthDate = default;
        var parsed = LocalDatePattern.Iso.Parse(text?.Trim() ?? string.Empty);
        if (!parsed.Success)
        {
            reason = $"'{text}' is not a date in the form yyyy-MM-dd";
            return false;
        }

        return TryCreate(parsed.Value, today, out birthDate, out reason);
    }

    public static BirthDate Parse(string text, LocalDate today) =>
        TryParse(text, today, out var birthDate, out var reason)
            ? birthDate
            : throw new DomainValidationException("birthDate", reason);

    /// <summary>Restores a stored value without re-checking it against today (it was checked when recorded).</summary>
    internal static BirthDate FromStored(LocalDate value) => new(value);

    public override string ToString() => Iso(Value);

    private static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);
}
