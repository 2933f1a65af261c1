using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace Ledger.App.Tests.Consents;

/// <summary>
/// One app with two patients: A (owns a lab report marked <see cref="Marker"/>, an ultrasound and consents in every
/// state) and B (owns a lab report of its own). The clock is then moved two hours on, so A's one-hour consent has expired.
/// </summary>
public sealed class AuthorizationMatrixFixture : IAsyncLifetime
{
    public const string Marker = "ORD-A-SECRET";

    public LedgerHost Host { get; private set; } = null!;

    public Guid PatientA { get; private set; }

    public Guid PatientB { get; private set; }

    public Guid LabA { get; private set; }

    public Guid StudyA { get; private set; }

    public Guid LabB { get; private set; }

    public Guid SpareConsent { get; private set; }

    public Guid ActiveConsent { get; private set; }

    /// <summary>Share tokens by consent state; "none" is a token no consent has.</summary>
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Host = await LedgerHost.StartAsync();
        PatientA = await Seed.PatientAsync(Host);
        PatientB = await Seed.PatientAsync(Host);
        LabA = await Seed.DocumentAsync(Host, PatientA, Seed.Report(Marker));
        StudyA = await Seed.StudyAsync(Host, PatientA);
        LabB = await Seed.DocumentAsync(Host, PatientB, Seed.Report("ORD-B"));
        var now = Host.Clock.GetCurrentInstant();
        string Iso(Duration d) => InstantPattern.ExtendedIso.Format(now + d);
        using var a = Host.ClientAs(Roles.Patient, PatientA);
        (ActiveConsent, Tokens["active"]) = await ShareLinkTests.GrantAsync(a, validUntil: Iso(Duration.FromDays(5)));
        (_, Tokens["expired"]) = await ShareLinkTests.GrantAsync(a, validUntil: Iso(Duration.FromHours(1)));
        var (revoked, revokedToken) = await ShareLinkTests.GrantAsync(a, validUntil: Iso(Duration.FromDays(5)));
        Tokens["revoked"] = revokedToken;
        await a.PostAsJsonAsync($"/api/v1/patients/me/consents/{revoked}/revoke", new { });
        (_, Tokens["outOfScope"]) = await ShareLinkTests.GrantAsync(a, new { scope = "documents", documentIds = new[] { StudyA } }, validUntil: Iso(Duration.FromDays(5)));
        (_, Tokens["notYetValid"]) = await ShareLinkTests.GrantAsync(a, validFrom: Iso(Duration.FromDays(10)), validUntil: Iso(Duration.FromDays(20)));
        (SpareConsent, _) = await ShareLinkTests.GrantAsync(a, validUntil: Iso(Duration.FromDays(5)));
        Tokens["none"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        foreach (var patient in new[] { PatientA, PatientB })
        {
            using var client = Host.ClientAs(Roles.Patient, patient);
            await client.PutAsJsonAsync("/api/v1/patients/me/thresholds/2345-7", new { unit = "mmol/L", high = 7m });
        }

        Host.Clock.Advance(Duration.FromHours(2));
        await Seed.CatchUpAsync(Host);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
