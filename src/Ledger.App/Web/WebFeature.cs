using Ledger.App.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationParts;

namespace Ledger.App.Web;

/// <summary>
/// The web cabinet «Моё здоровье»: server-rendered Razor Pages under <c>Web/Pages</c> for the patient (documents,
/// results, trends, consents, the access journal, delivery settings) and the doctor's share pages. Pages read through
/// the features' own queries; see docs/cabinet.md.
/// </summary>
public sealed class WebFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddAuthorization(WebAuthorization.AddPolicy);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, WebAuthorizationResultHandler>();

        // Anti-forgery has one configuration, the identity's (IdentityAuthentication): the pages' forms and the sign-in
        // form endpoints send the same field and cookie.
        services.AddRazorPages(options =>
            {
                options.RootDirectory = "/Web/Pages";
                options.Conventions.AuthorizeFolder("/", WebAuthorization.PatientPolicy);
                options.Conventions.AllowAnonymousToFolder("/Account");
                options.Conventions.AllowAnonymousToFolder("/ShareLink");
                options.Conventions.AddFolderApplicationModelConvention("/", model =>
                {
                    if (!model.ViewEnginePath.StartsWith("/ShareLink/", StringComparison.Ordinal) && !model.ViewEnginePath.StartsWith("/Account/", StringComparison.Ordinal))
                    {
                        model.EndpointMetadata.Add(new CabinetPageMetadata());
                    }
                });
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // The pages are compiled into this assembly; a host whose entry assembly is another (tests) lists it too.
                var assembly = typeof(WebFeature).Assembly;
                if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly))
                {
                    // The assembly's own factory also gives the part that holds its compiled Razor pages.
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) =>
        routes.MapRazorPages().Add(endpoint =>
        {
            // The sign-in pages only show; what is posted to their addresses is the identity's form endpoints
            // (docs/identity.md), which must stay the only candidates for a POST there.
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } raw } && raw.TrimStart('/').StartsWith("account/", StringComparison.Ordinal))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
            }
        });
}
