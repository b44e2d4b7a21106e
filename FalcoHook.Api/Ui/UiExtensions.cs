using FalcoHook.Api.Ui.Actions;
using MudBlazor.Services;

namespace FalcoHook.Api.Ui;

/// <summary>
/// The web UI at <c>/ui</c>: Blazor pages rendered on the server (static rendering, no circuit), MudBlazor's styles
/// from its package, plain HTML forms for every change (anti-forgery checked, write role checked), and a browser's
/// <c>GET /</c> sent to <c>/ui</c>.
/// </summary>
public static class UiExtensions
{
    public const string Prefix = "/ui";

    public static WebApplicationBuilder AddUi(this WebApplicationBuilder builder)
    {
        // MudBlazor's stylesheet is a static web asset of its package: served from the package folder when run from a
        // build (dotnet run, the tests), from wwwroot when published.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents();
        builder.Services.AddMudServices();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "falcohook_ui_af";
            options.Cookie.Path = Prefix;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__RequestVerificationToken";
        });
        builder.Services.AddSingleton<UiSession>();
        return builder;
    }

    public static WebApplication MapUi(this WebApplication app)
    {
        app.UseAntiforgery();
        app.UseWhen(UiAccess.Applies, branch => branch.Use(UiAccess.RequireReaderAsync));
        app.MapStaticAssets();
        app.MapGet("/", BrowserRoot.Redirect).ExcludeFromDescription();
        UiAssets.Map(app);
        Events.EventsLive.Map(app);
        UiActions.Map(app);
        app.MapRazorComponents<App>();
        return app;
    }
}
