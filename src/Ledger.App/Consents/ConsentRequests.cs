using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Consents;

/// <summary>A grant request that passed its checks: what the <see cref="GrantConsent"/> command needs besides the ids and the link.</summary>
public sealed record ConsentGrantRequest(FullName Doctor, Snils DoctorSnils, OrganizationId? DoctorOrganization, ConsentScope Scope, string Purpose, Instant? ValidFrom, Instant ValidUntil)
{
    /// <summary>The command for consent <paramref name="consentId"/> of <paramref name="patient"/>, with the share link's SHA-256.</summary>
    public GrantConsent Command(ConsentId consentId, PatientId patient, byte[] shareTokenHash) =>
        new(consentId, patient, Doctor, DoctorSnils, DoctorOrganization, Scope, Purpose, ValidFrom, ValidUntil, Convert.ToHexStringLower(shareTokenHash));
}

/// <summary>A grant's result: the share token when this call granted it (shown once), null for a repeat.</summary>
public sealed record IssuedConsent(Guid ConsentId, string? Token, Instant ValidFrom, Instant ValidUntil, long Version);

/// <summary>
/// What the consents API and the cabinet's consent page share: reading a grant request (the offending field named as
/// in the API's body) and showing a patient's consents with their status at an instant.
/// </summary>
public static class ConsentRequests
{
    /// <summary>The checked request, or the name of the offending field and why.</summary>
    public static (ConsentGrantRequest? Grant, string? Field, string? Reason) Read(GrantConsentRequest body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!FullName.TryCreate(body.DoctorSurname, body.DoctorGivenName, body.DoctorPatronymic, out var doctor, out var reason))
        {
            return (null, reason.Contains("given", StringComparison.Ordinal) ? "doctorGivenName" : reason.Contains("patronymic", StringComparison.Ordinal) ? "doctorPatronymic" : "doctorSurname", reason);
        }

        if (!Snils.TryParse(body.DoctorSnils, out var snils, out reason))
        {
            return (null, "doctorSnils", reason);
        }

        ConsentScope scope;
        switch (body.Scope ?? "all")
        {
            case "all":
                scope = ConsentScope.All();
                break;
            case "documentTypes" when body.DocumentTypes is { Count: > 0 } types:
                scope = ConsentScope.OfTypes([.. types.Distinct()]);
                break;
            case "documents" when body.DocumentIds is { Count: > 0 } ids && ids.All(i => i != Guid.Empty):
                scope = ConsentScope.OfDocuments([.. ids.Distinct().Select(i => new DocumentId(i))]);
                break;
            case "documentTypes":
                return (null, "documentTypes", "list at least one document type");
            case "documents":
                return (null, "documentIds", "list at least one document id");
            default:
                return (null, "scope", "one of all, documentTypes, documents");
        }

        Instant? from = null;
        if (!string.IsNullOrWhiteSpace(body.ValidFrom))
        {
            var parsed = InstantPattern.ExtendedIso.Parse(body.ValidFrom);
            if (!parsed.Success)
            {
                return (null, "validFrom", "an ISO-8601 instant, e.g. 2026-03-02T10:00:00Z");
            }

            from = parsed.Value;
        }

        var until = InstantPattern.ExtendedIso.Parse(body.ValidUntil ?? string.Empty);
        if (!until.Success)
        {
            return (null, "validUntil", "an ISO-8601 instant, e.g. 2026-03-09T10:00:00Z");
        }

        if (string.IsNullOrWhiteSpace(body.Purpose))
        {
            return (null, "purpose", "required");
        }

        OrganizationId? organization = body.DoctorOrganization is { } o && o != Guid.Empty ? new OrganizationId(o) : null;
        return (new ConsentGrantRequest(doctor, snils, organization, scope, body.Purpose, from, until.Value), null, null);
    }

    /// <summary>
    /// Grants the consent and creates its share link. With an idempotency <paramref name="key"/> the consent id is derived
    /// from it, and a repeat of a grant that is already stored answers that consent without a token (the link was shown
    /// once and is never kept).
    /// </summary>
    public static async Task<IssuedConsent> GrantAsync(PatientId me, ConsentGrantRequest grant, Guid? key, EventMetadata metadata, CommandExecutor executor, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(store);
        var commandId = key ?? Guid.CreateVersion7();
        var consentId = new ConsentId(key is { } k ? StreamIds.Derived("consent-grant", k) : Guid.CreateVersion7());
        if (key is not null && await store.GetStreamAsync(consentId.Value, cancellationToken) is { } existing)
        {
            var (state, _) = await store.AggregateAsync(Deciders.Consent, consentId.Value, cancellationToken: cancellationToken);
            return new IssuedConsent(consentId.Value, null, state.ValidFrom, state.ValidUntil, existing.Version);
        }

        var (token, hash) = ShareLinks.NewToken();
        var outcome = await executor.ExecuteAsync(
            Deciders.Consent,
            StreamIds.Consent(consentId),
            grant.Command(consentId, me, hash),
            new CommandContext(commandId, metadata with { CorrelationId = commandId }, me.Value, ExpectedVersion.NoStream),
            cancellationToken);
        var granted = outcome.Events.OfType<ConsentGranted>().Single();
        return new IssuedConsent(consentId.Value, token, granted.ValidFrom, granted.ValidUntil, outcome.Version);
    }

    /// <summary>The patient's consents, newest first, with their status at <paramref name="now"/>.</summary>
    public static async Task<IReadOnlyList<ConsentView>> ViewsAsync(PatientId patient, ConsentsProjection consents, EventStore.EventStore store, Instant now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consents);
        ArgumentNullException.ThrowIfNull(store);
        var views = new List<ConsentView>();
        foreach (var row in await consents.ListAsync(patient, cancellationToken))
        {
            var (state, version) = await store.AggregateAsync(Deciders.Consent, row.ConsentId, cancellationToken: cancellationToken);
            views.Add(View(row, state, version, now));
        }

        return views;
    }

    public static ConsentView View(ConsentRow row, ConsentState state, long version, Instant now)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(state);
        return new(row.ConsentId, state.DoctorName, state.DoctorOrganization?.Value, row.ScopeKind, row.DocumentTypes, row.DocumentIds,
            state.Purpose, row.ValidFrom, row.ValidUntil, row.RevokedAt, row.StatusAt(now), version);
    }

    /// <summary>The absolute share link of <paramref name="token"/> under <paramref name="baseAddress"/>.</summary>
    public static string ShareUrl(string baseAddress, string token) => $"{baseAddress}/api/v1/shared/{token}/documents";
}
