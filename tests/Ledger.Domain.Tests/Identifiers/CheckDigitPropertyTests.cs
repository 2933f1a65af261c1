using System.Globalization;
using System.Text;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Tests.Identifiers;

/// <summary>
/// Random numbers completed with check digits computed here, from the written rules (not by the production code), are
/// accepted; the same numbers with every other check digit are rejected.
/// </summary>
public sealed class CheckDigitPropertyTests
{
    private const int Runs = 2_000;

    [Fact]
    public void Snils()
    {
        var random = new Random(20250314);
        for (var run = 0; run < Runs; run++)
        {
            var body = random.Next(1_001_999, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);
            var check = SnilsCheck(body);
            Assert.True(Domain.Identifiers.Snils.TryParse(body + check.ToString("D2", CultureInfo.InvariantCulture), out _, out var reason), reason);
            for (var other = 0; other < 100; other++)
            {
                if (other != check)
                {
                    Assert.False(Domain.Identifiers.Snils.TryParse(body + other.ToString("D2", CultureInfo.InvariantCulture), out _, out _));
                }
            }
        }
    }

    [Fact]
    public void Snils_up_to_001_001_998_is_not_checked()
    {
        var random = new Random(7);
        for (var run = 0; run < Runs; run++)
        {
            var text = random.Next(0, 1_001_999).ToString("D9", CultureInfo.InvariantCulture)
                + random.Next(0, 100).ToString("D2", CultureInfo.InvariantCulture);
            Assert.True(Domain.Identifiers.Snils.TryParse(text, out _, out var reason), reason);
        }
    }

    [Fact]
    public void Inn_of_ten_digits()
    {
        var random = new Random(10);
        for (var run = 0; run < Runs; run++)
        {
            var body = Digits(random, 9);
            var check = InnDigit(body, [2, 4, 10, 3, 5, 9, 4, 6, 8]);
            AssertOnlyDigitAccepted(body, string.Empty, check, t => Inn.TryParse(t, out _, out _));
        }
    }

    [Fact]
    public void Inn_of_twelve_digits()
    {
        var random = new Random(12);
        for (var run = 0; run < Runs; run++)
        {
            var body = Digits(random, 10);
            var first = InnDigit(body, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
            var second = InnDigit(body + first, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
            AssertOnlyDigitAccepted(body + first, string.Empty, second, t => Inn.TryParse(t, out _, out _));
            for (var other = 0; other < 10; other++)
            {
                if (other != first)
                {
                    Assert.False(Inn.TryParse($"{body}{other}{second}", out _, out _));
                }
            }
        }
    }

    [Fact]
    public void Ogrn()
    {
        var random = new Random(13);
        for (var run = 0; run < Runs; run++)
        {
            var body = "1" + Digits(random, 11);
            var check = (int)(decimal.Parse(body, CultureInfo.InvariantCulture) % 11 % 10);
            AssertOnlyDigitAccepted(body, string.Empty, check, t => Domain.Identifiers.Ogrn.TryParse(t, out _, out _));
        }
    }

    [Fact]
    public void Ogrnip()
    {
        var random = new Random(15);
        for (var run = 0; run < Runs; run++)
        {
            var body = "3" + Digits(random, 13);
            var check = (int)(decimal.Parse(body, CultureInfo.InvariantCulture) % 13 % 10);
            AssertOnlyDigitAccepted(body, string.Empty, check, t => Domain.Identifiers.Ogrn.TryParse(t, out _, out _));
        }
    }

    [Fact]
    public void Loinc()
    {
        var random = new Random(1);
        for (var run = 0; run < Runs; run++)
        {
            var body = random.Next(1, 10_000_000).ToString(CultureInfo.InvariantCulture);
            AssertOnlyDigitAccepted(body + "-", string.Empty, LuhnDigit(body), t => LoincCode.TryParse(t, out _, out _));
        }
    }

    private static void AssertOnlyDigitAccepted(string before, string after, int check, Func<string, bool> parse)
    {
        Assert.True(parse($"{before}{check}{after}"), $"{before}{check}{after} was rejected");
        for (var other = 0; other < 10; other++)
        {
            if (other != check)
            {
                Assert.False(parse($"{before}{other}{after}"), $"{before}{other}{after} was accepted");
            }
        }
    }

    private static string Digits(Random random, int count)
    {
        var text = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            text.Append((char)('0' + random.Next(10)));
        }

        return text.ToString();
    }

    // СНИЛС: weights 9…1 from the first digit; below 100 the sum; 100 and 101 give 00; above, mod 101 (100 → 00).
    private static int SnilsCheck(string nine)
    {
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (nine[i] - '0') * (9 - i);
        }

        return sum < 100 ? sum : sum <= 101 ? 0 : sum % 101 == 100 ? 0 : sum % 101;
    }

    private static int InnDigit(string digits, int[] weights) =>
        weights.Select((w, i) => w * (digits[i] - '0')).Sum() % 11 % 10;

    // Luhn: double every second digit starting from the rightmost one of the body, subtract 9 when over 9.
    private static int LuhnDigit(string body)
    {
        var sum = body.Reverse().Select((c, i) => i % 2 == 0 ? ((c - '0') * 2 % 10) + ((c - '0') * 2 / 10) : c - '0').Sum();
        return (10 - (sum % 10)) % 10;
    }
}
