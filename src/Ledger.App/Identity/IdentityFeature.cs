using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.Identity;

/// <summary>
/// The ledger's own sign-in: accounts with a password and a second factor, the form endpoints, the session cookie and
/// the sign-in journal. The authentication schemes themselves are registered by
/// <see cref="IdentityAuthentication.AddLedgerAuthentication"/>, which reads the configuration.
/// </summary>
public sealed class IdentityFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<AccountDirectory>();
        services.AddSingleton<IdentityService>();
        services.AddSingleton<SignInJournalQueries>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        routes.MapIdentity();
        routes.MapSignInJournal();
    }

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) => [services.GetRequiredService<AccountDirectory>()];

    public IEnumerable<IProjection> Projections(IServiceProvider services) => [new SignInJournalProjection()];
}
