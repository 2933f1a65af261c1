using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// A person's name: surname, given name and an optional patronymic. Each part is trimmed with inner runs of whitespace
/// collapsed to one space, is not empty and is at most <see cref="MaxPartLength"/> characters long.
/// Serialized as an object <c>{ surname, givenName, patronymic }</c>.
/// </summary>
[JsonConverter(typeof(FullNameJsonConverter))]
public sealed record FullName
{
    public const int MaxPartLength = 100;

    private FullName(string surname, string givenName, string? patronymic)
    {
        Surname = surname;
        GivenName = givenName;
        Patronymic = patronymic;
    }

    public string Surname { get; }

    public string GivenName { get; }

    public string? Patronymic { get; }

    public static bool TryCreate(
        string? surname,
        string? givenName,
        string? patronymic,
        [NotNullWhen(true)] out FullName? name,
        out string reason)
    {
        name = null;
        if (!TryPart(surname, "surname", out var s, out reason)
            || !TryPart(givenName, "given name", out var g, out reason))
        {
            return false;
        }

        string? p = null;
        if (!string.IsNullOrWhiteSpace(patronymic) && !TryPart(patronymic, "patronymic", out p, out reason))
        {
            return false;
        }

        name = new FullName(s, g, p);
        return true;
    }

    public static FullName Create(string surname, string givenName, string? patronymic = null) =>
        TryCreate(surname, givenName, patronymic, out var name, out var reason)
            ? name
            : throw new DomainValidationException("name", reason);

    /// <summary>Parses "Surname GivenName [Patronymic]" (two or three words).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out FullName? name, out string reason)
    {
        name = null;
        var words = (text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is < 2 or > 3)
        {
            reason = $"name has {words.Length} words, expected surname, given name and optional patronymic";
            return false;
        }

        return TryCreate(words[0], words[1], words.Length == 3 ? words[2] : null, out name, out reason);
    }

    public static FullName Parse(string text) =>
        TryParse(text, out var name, out var reason) ? name : throw new DomainValidationException("name", reason);

    public override string ToString() =>
        Patronymic is null ? $"{Surname} {GivenName}" : $"{Surname} {GivenName} {Patronymic}";

    private static bool TryPart(string? text, string what, out string part, out string reason)
    {
        part = string.Join(' ', (text ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (part.Length == 0)
        {
            reason = $"{what} is empty";
            return false;
        }

        if (part.Length > MaxPartLength)
        {
            reason = $"{what} is {part.Length} characters long, at most {MaxPartLength} allowed";
            return false;
        }

        if (part.Any(char.IsControl))
        {
            reason = $"{what} contains a control character";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
