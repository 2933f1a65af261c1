using System.Text;
using Ledger.App.Identity;
using Ledger.Domain.Identifiers;
using NodaTime;
using OtpNet;
using Xunit;

namespace Ledger.App.Tests.Identity;

public sealed class SecretsTests
{
    private static readonly byte[] Sha1Key = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Key = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Key = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    /// <summary>RFC 6238, Appendix B: every time of the table, with the expected 8-digit codes for SHA-1, SHA-256 and SHA-512.</summary>
    public static TheoryData<long, string, string, string> Rfc6238Vectors => new()
    {
        { 59, "94287082", "46119246", "90693936" },
        { 1111111109, "07081804", "68084774", "25091201" },
        { 1111111111, "14050471", "67062674", "99943326" },
        { 1234567890, "89005924", "91819424", "93441116" },
        { 2000000000, "69279037", "90698825", "38618901" },
        { 20000000000, "65353130", "77737706", "47863826" },
    };

    [Theory]
    [MemberData(nameof(Rfc6238Vectors))]
    public void The_codes_are_those_of_RFC_6238_appendix_B(long unixTime, string sha1, string sha256, string sha512)
    {
        var at = Instant.FromUnixTimeSeconds(unixTime);

        Assert.Equal(sha1, TotpCodes.Compute(Sha1Key, at, 8, OtpHashMode.Sha1));
        Assert.Equal(sha256, TotpCodes.Compute(Sha256Key, at, 8, OtpHashMode.Sha256));
        Assert.Equal(sha512, TotpCodes.Compute(Sha512Key, at, 8, OtpHashMode.Sha512));

        // The sign-in's own path: 6 digits of SHA-1 (the vector's last six), matched at the vector's time step.
        var secret = Base32Encoding.ToString(Sha1Key);
        Assert.Equal(sha1[2..], TotpCodes.Compute(secret, at));
        Assert.Equal(unixTime / 30, TotpCodes.Match(secret, sha1[2..], at));
    }

    [Fact]
    public void A_code_matches_one_step_before_and_after_and_not_two()
    {
        var secret = TotpCodes.NewSecret();
        var at = Instant.FromUtc(2026, 3, 2, 9, 0, 15);
        var code = TotpCodes.Compute(secret, at);

        Assert.Equal(TotpCodes.StepAt(at), TotpCodes.Match(secret, code, at + Duration.FromSeconds(30)));
        Assert.Equal(TotpCodes.StepAt(at), TotpCodes.Match(secret, code, at - Duration.FromSeconds(30)));
        Assert.Null(TotpCodes.Match(secret, code, at + Duration.FromSeconds(60)));
        Assert.Null(TotpCodes.Match(secret, "12345", at));
        Assert.Null(TotpCodes.Match(secret, "12345a", at));
    }

    [Fact]
    public void The_enrolment_uri_names_issuer_label_and_parameters_and_its_qr_code_is_svg()
    {
        var uri = TotpCodes.Uri("Моё здоровье", "anna", "JBSWY3DPEHPK3PXP");
        var svg = TotpCodes.QrSvg(uri);

        Assert.Equal("otpauth://totp/%D0%9C%D0%BE%D1%91%20%D0%B7%D0%B4%D0%BE%D1%80%D0%BE%D0%B2%D1%8C%D0%B5:anna?secret=JBSWY3DPEHPK3PXP&issuer=%D0%9C%D0%BE%D1%91%20%D0%B7%D0%B4%D0%BE%D1%80%D0%BE%D0%B2%D1%8C%D0%B5&algorithm=SHA1&digits=6&period=30", uri);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("</svg>", svg, StringComparison.Ordinal);
        Assert.Equal(32, TotpCodes.NewSecret().Length);
    }

    [Fact]
    public void A_password_hash_round_trips_with_600000_iterations_and_its_own_salt()
    {
        var first = PasswordHasher.Hash("Kaštan-Lipa-2026", 600_000);
        var second = PasswordHasher.Hash("Kaštan-Lipa-2026", 600_000);

        Assert.Equal("pbkdf2-sha256", first.Algorithm);
        Assert.Equal(600_000, first.Iterations);
        Assert.Equal(16, Convert.FromBase64String(first.Salt).Length);
        Assert.Equal(32, Convert.FromBase64String(first.Hash).Length);
        Assert.NotEqual(first.Salt, second.Salt);
        Assert.NotEqual(first.Hash, second.Hash);
        Assert.True(PasswordHasher.Verify("Kaštan-Lipa-2026", first));
        Assert.False(PasswordHasher.Verify("Kaštan-Lipa-2027", first));
        Assert.False(PasswordHasher.Verify("Kaštan-Lipa-2026", first with { Algorithm = "md5" }));
    }

    [Fact]
    public void The_stored_iteration_count_is_the_one_a_check_uses()
    {
        var stronger = PasswordHasher.Hash("Kaštan-Lipa-2026", 700_000);

        Assert.True(PasswordHasher.Verify("Kaštan-Lipa-2026", stronger));
        Assert.False(PasswordHasher.Verify("Kaštan-Lipa-2026", stronger with { Iterations = 600_000 }));
    }

    [Theory]
    [InlineData("short-1", "at least 10 characters")]
    [InlineData("aaaaaaaaaaaa", "at least 4 different characters")]
    [InlineData("qwertyuiop", "not one of the most common passwords")]
    [InlineData("anna-2026-spring", "must not contain the login")]
    public void A_password_that_breaks_a_rule_is_refused_with_the_rule(string password, string rule) =>
        Assert.Equal(rule, PasswordRules.Problem(password, "anna"));

    [Fact]
    public void A_generated_password_meets_the_rules() =>
        Assert.Null(PasswordRules.Problem(PasswordHasher.Generate(), "anna"));

    [Fact]
    public void Recovery_codes_are_ten_distinct_and_found_by_their_hash_only_for_their_patient()
    {
        var patient = new PatientId(Guid.NewGuid());
        var codes = RecoveryCodes.New();
        var hashes = codes.Select(c => RecoveryCodes.Hash(patient, c)).ToList();

        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[A-Z2-9]{5}-[A-Z2-9]{5}$", c));
        Assert.Equal(7, RecoveryCodes.IndexOf(hashes, patient, codes[7].ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)));
        Assert.Null(RecoveryCodes.IndexOf(hashes, new PatientId(Guid.NewGuid()), codes[7]));
    }
}
