using Ledger.Domain.Identifiers;
using Ledger.Domain.Tests.Support;
using NodaTime;

namespace Ledger.Domain.Tests.Identifiers;

public sealed class KnownIdentifierTests
{
    [Theory]
    [InlineData("112-233-445 95", "112-233-445 95")]
    [InlineData("11223344595", "112-233-445 95")]
    [InlineData("001-437-544 00", "001-437-544 00")]
    [InlineData("001-001-998 42", "001-001-998 42")]
    public void Snils_accepts_valid_numbers_and_normalizes(string text, string normalized)
    {
        Assert.True(Snils.TryParse(text, out var snils, out var reason), reason);
        Assert.Equal(normalized, snils.ToString());
    }

    [Fact]
    public void Snils_with_a_wrong_check_number_says_which_was_expected()
    {
        Assert.False(Snils.TryParse("112-233-445 96", out _, out var reason));
        Assert.Equal("check number is 96, expected 95", reason);
        var e = Assert.Throws<DomainValidationException>(() => Snils.Parse("112-233-445 96"));
        Assert.Equal("snils", e.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1122334459")]
    [InlineData("112-233-445 9x")]
    public void Snils_rejects_malformed_text(string text) => Assert.False(Snils.TryParse(text, out _, out _));

    [Theory]
    [InlineData("7707083893", InnKind.LegalEntity)]
    [InlineData("500100732259", InnKind.Individual)]
    public void Inn_accepts_known_valid_numbers(string text, InnKind kind)
    {
        Assert.Equal(kind, Inn.Parse(text).Kind);
        Assert.Equal(text, Inn.Parse(text).ToString());
    }

    [Fact]
    public void Inn_rejects_a_wrong_check_digit()
    {
        Assert.False(Inn.TryParse("1234567895", out _, out var reason));
        Assert.Equal("check digit is 5, expected 4", reason);
    }

    [Fact]
    public void Ogrn_and_ogrnip_are_checked()
    {
        Assert.Equal(OgrnKind.LegalEntity, Ogrn.Parse("1027700132195").Kind);
        Assert.Equal(OgrnKind.IndividualEntrepreneur, Ogrn.Parse("304500116000157").Kind);
        Assert.False(Ogrn.TryParse("1027700132196", out _, out var reason));
        Assert.Equal("ОГРН check digit is 6, expected 5", reason);
        Assert.False(Ogrn.TryParse("102770013219", out _, out _));
    }

    [Fact]
    public void Enp_is_sixteen_digits()
    {
        Assert.Equal("7700000012345678", Enp.Parse("7700 0000 1234 5678").ToString());
        Assert.False(Enp.TryParse("770000001234567", out _, out var reason));
        Assert.Equal("ЕНП has 15 digits, expected 16", reason);
    }

    [Theory]
    [InlineData("2345-7")]
    [InlineData("718-7")]
    [InlineData("789-8")]
    [InlineData("2093-3")]
    [InlineData("2571-8")]
    public void Loinc_accepts_known_codes(string code) => Assert.Equal(code, LoincCode.Parse(code).ToString());

    [Theory]
    [InlineData("2345-6")]
    [InlineData("2345")]
    [InlineData("12345678-9")]
    [InlineData("-7")]
    [InlineData("23a5-7")]
    public void Loinc_rejects_bad_codes(string code) => Assert.False(LoincCode.TryParse(code, out _, out _));

    [Fact]
    public void Ucum_units_compare_exactly()
    {
        Assert.Equal(UcumUnit.Parse("mmol/L"), UcumUnit.Parse("mmol/L"));
        Assert.NotEqual(UcumUnit.Parse("mmol/L"), UcumUnit.Parse("mmol/l"));
        Assert.False(UcumUnit.TryParse("", out _, out _));
        Assert.False(UcumUnit.TryParse("mmol / L", out _, out _));
    }

    [Theory]
    [InlineData(" Maria@Example.ORG ", "Maria@example.org")]
    [InlineData("a.b+c@mail.ru", "a.b+c@mail.ru")]
    public void Email_is_trimmed_and_its_domain_lower_cased(string text, string normalized) =>
        Assert.Equal(normalized, Email.Parse(text).ToString());

    [Theory]
    [InlineData("no-at.example.org")]
    [InlineData("a@b@example.org")]
    [InlineData("a@localhost")]
    [InlineData("a b@example.org")]
    public void Email_rejects_malformed_addresses(string text) => Assert.False(Email.TryParse(text, out _, out _));

    [Theory]
    [InlineData("+7 (916) 123-45-67", "+79161234567")]
    [InlineData("+12025550123", "+12025550123")]
    public void Phone_is_normalized_to_e164(string text, string normalized) =>
        Assert.Equal(normalized, PhoneNumber.Parse(text).ToString());

    [Theory]
    [InlineData("89161234567")]
    [InlineData("+0123456789")]
    [InlineData("+1234567")]
    [InlineData("+1234567890123456")]
    public void Phone_rejects_non_e164(string text) => Assert.False(PhoneNumber.TryParse(text, out _, out _));

    [Fact]
    public void Full_name_collapses_whitespace_and_keeps_an_optional_patronymic()
    {
        var name = FullName.Create("  Иванова ", "Мария  Анна", null);
        Assert.Equal("Иванова", name.Surname);
        Assert.Equal("Мария Анна", name.GivenName);
        Assert.Null(name.Patronymic);
        Assert.Equal(FullName.Parse("Иванова Мария Петровна"), FullName.Create("Иванова", "Мария", "Петровна"));
        Assert.False(FullName.TryCreate("Иванова", " ", null, out _, out var reason));
        Assert.Equal("given name is empty", reason);
        Assert.False(FullName.TryCreate(new string('я', 101), "Мария", null, out _, out _));
    }

    [Fact]
    public void Birth_date_is_not_in_the_future_nor_before_1880()
    {
        Assert.Equal("1984-06-02", BirthDate.Parse("1984-06-02", Samples.Today).ToString());
        Assert.True(BirthDate.TryCreate(Samples.Today, Samples.Today, out _, out _));
        Assert.False(BirthDate.TryCreate(Samples.Today.PlusDays(1), Samples.Today, out _, out var future));
        Assert.Equal("birth date 2025-03-15 is after today (2025-03-14)", future);
        Assert.False(BirthDate.TryCreate(new LocalDate(1879, 12, 31), Samples.Today, out _, out _));
        Assert.False(BirthDate.TryParse("02.06.1984", Samples.Today, out _, out _));
    }

    [Fact]
    public void Entity_ids_parse_guids_and_reject_the_empty_one()
    {
        Assert.Equal(Samples.Patient, PatientId.Parse("11111111-1111-1111-1111-111111111111"));
        Assert.False(ConsentId.TryParse(Guid.Empty.ToString(), out _, out _));
        Assert.False(DocumentId.TryParse("not-a-guid", out _, out _));
    }

    [Fact]
    public void Content_hash_is_lower_cased_hex_of_64_digits()
    {
        Assert.Equal(new string('a', 64), ContentHash.Parse(new string('A', 64)).ToString());
        Assert.False(ContentHash.TryParse(new string('g', 64), out _, out _));
    }
}
