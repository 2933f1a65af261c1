using System.Net;
using System.Net.Http.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Consents;

/// <summary>
/// Every endpoint × every role (and no token) × own or other patient, and every share-link endpoint × every consent
/// state: the expected status, no content of patient A outside its owner's and the auditor's reads, and every refusal
/// of a known share link recorded as a denial.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixFixture fixture) : IClassFixture<AuthorizationMatrixFixture>
{
    private const string Anonymous = "anonymous";

    private static readonly string[] Endpoints =
    [
        "profile", "threshold.set", "threshold.remove", "preferences", "contacts", "documents", "document", "versions", "trends", "journal",
        "consent.grant", "consent.list", "consent.revoke", "register", "erase", "audit.access", "audit.stream", "audit.consent", "export",
    ];

    public static TheoryData<string, string, bool> RoleCases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var role in Roles.All.Append(Anonymous))
            {
                data.Add(endpoint, role, true);
                data.Add(endpoint, role, false);
            }
        }

        return data;
    }

    public static TheoryData<string, string> ShareCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var state in new[] { "active", "expired", "revoked", "outOfScope", "notYetValid", "none" })
        {
            foreach (var endpoint in new[] { "list", "inScope", "otherType", "otherPatient" })
            {
                data.Add(state, endpoint);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoleCases))]
    public async Task Each_role_gets_exactly_what_it_may(string endpoint, string role, bool own)
    {
        var subject = own ? fixture.PatientA : fixture.PatientB;
        using var client = role == Anonymous ? fixture.Host.Anonymous() : fixture.Host.ClientAs(role, subject, Duration.FromDays(30));

        var response = await SendAsync(client, endpoint);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(Expected(endpoint, role, own), response.StatusCode);
        var mayReadA = (role == Roles.Patient && own && endpoint is "documents" or "document" or "versions") || (role == Roles.Auditor && endpoint == "audit.stream");
        if (!mayReadA)
        {
            Assert.DoesNotContain(AuthorizationMatrixFixture.Marker, body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ShareCases))]
    public async Task A_share_link_shows_only_its_scope_while_active_and_every_refusal_is_recorded(string state, string endpoint)
    {
        var token = fixture.Tokens[state];
        var document = endpoint switch
        {
            "inScope" => fixture.LabA,
            "otherType" => fixture.StudyA,
            "otherPatient" => fixture.LabB,
            _ => (Guid?)null,
        };
        var denialsBefore = (await Seed.DenialsAsync(fixture.Host, fixture.PatientA)).Count;

        var response = await fixture.Host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents" + (document is { } d ? $"/{d}" : string.Empty), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        var denialsAfter = (await Seed.DenialsAsync(fixture.Host, fixture.PatientA)).Count;

        // "active" covers every type of A; "outOfScope" covers only A's study.
        var allowed = (state, endpoint) switch
        {
            ("active", "list" or "inScope" or "otherType") => true,
            ("outOfScope", "list" or "otherType") => true,
            _ => false,
        };
        if (allowed)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(denialsBefore, denialsAfter);
            Assert.Equal(state == "active" && endpoint is "list" or "inScope", body.Contains(AuthorizationMatrixFixture.Marker, StringComparison.Ordinal));
            return;
        }

        Assert.DoesNotContain(AuthorizationMatrixFixture.Marker, body, StringComparison.Ordinal);
        Assert.DoesNotContain("ORD-B", body, StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (state == "none")
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(denialsBefore, denialsAfter);
            return;
        }

        Assert.Equal(state is "outOfScope" or "active" ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(denialsBefore + 1, denialsAfter);
    }

    private static HttpStatusCode Expected(string endpoint, string role, bool own)
    {
        if (role == Anonymous)
        {
            return HttpStatusCode.Unauthorized;
        }

        return endpoint switch
        {
            "register" => role is Roles.Admin or Roles.Support ? HttpStatusCode.Created : HttpStatusCode.Forbidden,
            "erase" => role == Roles.Admin ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden,
            "audit.access" or "audit.stream" or "audit.consent" => role == Roles.Auditor ? HttpStatusCode.OK : HttpStatusCode.Forbidden,
            "export" => role is Roles.Auditor or Roles.Admin ? HttpStatusCode.OK : HttpStatusCode.Forbidden,
            _ when role != Roles.Patient => HttpStatusCode.Forbidden,
            "document" or "versions" or "consent.revoke" => own ? HttpStatusCode.OK : HttpStatusCode.NotFound,
            "consent.grant" => HttpStatusCode.Created,
            _ => HttpStatusCode.OK,
        };
    }

    private Task<HttpResponseMessage> SendAsync(HttpClient client, string endpoint) => endpoint switch
    {
        "profile" => client.GetAsync(Uri("/api/v1/patients/me")),
        "threshold.set" => client.PutAsJsonAsync("/api/v1/patients/me/thresholds/2345-7", new { unit = "mmol/L", low = 3m }),
        "threshold.remove" => client.DeleteAsync(Uri("/api/v1/patients/me/thresholds/2345-7")),
        "preferences" => client.PutAsJsonAsync("/api/v1/patients/me/delivery-preferences", new { resultTypes = new[] { "labReport" }, channels = new[] { "push" }, frequency = "weekly" }),
        "contacts" => client.PutAsJsonAsync("/api/v1/patients/me/contacts", new { email = "new@example.org" }),
        "documents" => client.GetAsync(Uri("/api/v1/patients/me/documents")),
        "document" => client.GetAsync(Uri($"/api/v1/patients/me/documents/{fixture.LabA}")),
        "versions" => client.GetAsync(Uri($"/api/v1/patients/me/documents/{fixture.LabA}/versions")),
        "trends" => client.GetAsync(Uri("/api/v1/patients/me/trends/2345-7")),
        "journal" => client.GetAsync(Uri("/api/v1/patients/me/access-journal")),
        "consent.grant" => client.PostAsJsonAsync("/api/v1/patients/me/consents", new
        {
            doctorSurname = "Сидоров",
            doctorGivenName = "Олег",
            doctorSnils = Seed.NewSnils(),
            purpose = "второе мнение",
            validUntil = "2026-04-01T00:00:00Z",
        }),
        "consent.list" => client.GetAsync(Uri("/api/v1/patients/me/consents")),
        "consent.revoke" => client.PostAsJsonAsync($"/api/v1/patients/me/consents/{fixture.SpareConsent}/revoke", new { }),
        "register" => client.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody()),
        "erase" => client.PostAsync(Uri($"/api/v1/patients/{Guid.NewGuid()}/erase"), null),
        "audit.access" => client.GetAsync(Uri($"/api/v1/audit/patients/{fixture.PatientA}/access?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z")),
        "audit.stream" => client.GetAsync(Uri($"/api/v1/audit/streams/{fixture.LabA}")),
        "audit.consent" => client.GetAsync(Uri($"/api/v1/audit/consents/{fixture.ActiveConsent}")),
        "export" => client.GetAsync(Uri("/api/v1/compliance/export?streamType=organization")),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    private static Uri Uri(string path) => new(path, UriKind.Relative);
}
