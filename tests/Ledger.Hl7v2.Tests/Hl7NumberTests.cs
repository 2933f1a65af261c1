using Xunit;

namespace Ledger.Hl7v2.Tests;

public sealed class Hl7NumberTests
{
    [Theory]
    [InlineData("5", "5")]
    [InlineData(" 12.50 ", "12.50")]
    [InlineData("-0.3", "-0.3")]
    [InlineData("+7", "7")]
    [InlineData(".5", "0.5")]
    [InlineData("5.", "5")]
    public void Numbers_parse_with_the_invariant_culture(string text, string expected)
    {
        Assert.True(Hl7Number.TryParse(text, out var value));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("1e5")]
    [InlineData("1,5")]
    [InlineData("1.2.3")]
    [InlineData("--1")]
    [InlineData("1-")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("12 mg")]
    public void Anything_else_is_not_a_number(string? text)
    {
        Assert.False(Hl7Number.TryParse(text, out var value));
        Assert.Equal(0m, value);
    }
}
