using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Ui.Actions;

/// <summary>
/// The UI's form posts under <c>/ui/actions</c>: sign-in and sign-out, and every change (silences, retries, rules),
/// each calling the same Core services as the REST API and redirecting back to its page.
/// </summary>
internal static class UiActions
{
    public const string Prefix = "/ui/actions";

    public static void Map(IEndpointRouteBuilder app)
    {
        var session = app.MapGroup(Prefix).ExcludeFromDescription()
            .AddEndpointFilterFactory((factory, next) => UiActionFilter.Create(factory, next, write: false));
        session.MapPost("/signin", SignInAsync);
        session.MapPost("/signout", SignOut);

        var changes = app.MapGroup(Prefix).ExcludeFromDescription()
            .AddEndpointFilterFactory((factory, next) => UiActionFilter.Create(factory, next, write: true));
        changes.MapPost("/silences", SilenceActions.CreateAsync);
        changes.MapPost("/silences/{id}/expire", SilenceActions.ExpireAsync);
        changes.MapPost("/deliveries/{id}/retry", RetryDeliveryAsync);
        changes.MapPost("/inbox/{id:long}/retry", RetryDeadInboxAsync);
        changes.MapPost("/rules/enable", (HttpContext http, RuleManagementService rules, CancellationToken ct) => SetRuleEnabledAsync(http, rules, true, ct));
        changes.MapPost("/rules/disable", (HttpContext http, RuleManagementService rules, CancellationToken ct) => SetRuleEnabledAsync(http, rules, false, ct));
    }

    private static async Task<IResult> SignInAsync(HttpContext http, UiSession session)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = UiAccess.SafeReturnUrl(form["returnUrl"]);
        var entry = session.Match(form["key"].ToString());
        if (entry is null)
            return TypedResults.Redirect("/ui/signin?error=1&returnUrl=" + Uri.EscapeDataString(returnUrl));
        session.SignIn(http, entry);
        return TypedResults.Redirect(returnUrl);
    }

    private static RedirectHttpResult SignOut(HttpContext http, UiSession session)
    {
        session.SignOut(http);
        return TypedResults.Redirect("/ui/signin");
    }

    private static async Task<RedirectHttpResult> RetryDeliveryAsync(string id, DeliveryService deliveries, CancellationToken cancellationToken)
    {
        if (await deliveries.RetryAsync(id, cancellationToken)) return UiRedirect.Done("/ui/deliveries", $"Delivery {id} is queued again.");
        var existing = await deliveries.GetAsync(id, cancellationToken);
        return UiRedirect.Failed("/ui/deliveries", existing is null
            ? $"There is no delivery {id}."
            : $"Delivery {id} is {existing.State.ToStorageString()}; only dead deliveries can be retried.");
    }

    private static async Task<RedirectHttpResult> RetryDeadInboxAsync(long id, DeadInboxService inbox, CancellationToken cancellationToken) =>
        await inbox.RetryAsync(id, cancellationToken)
            ? UiRedirect.Done("/ui/inbox", $"Alert {id} is handed to the pipeline again.")
            : UiRedirect.Failed("/ui/inbox", $"There is no alert {id} in the dead inbox.");

    private static async Task<RedirectHttpResult> SetRuleEnabledAsync(HttpContext http, RuleManagementService rules, bool enabled,
        CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var name = form["name"].ToString();
        var back = "/ui/rules" + (form["q"].ToString() is { Length: > 0 } q ? "?q=" + Uri.EscapeDataString(q) : "");
        var result = await rules.SetEnabledAsync(name, enabled, ifMatch: null, ActorOf(http), cancellationToken);
        return result.Status == ChangeStatus.Applied
            ? UiRedirect.Done(back, $"Rule '{name}' is {(enabled ? "enabled" : "disabled")}.")
            : UiRedirect.Failed(back, result.Message ?? $"Rule '{name}' could not be changed.");
    }

    internal static string ActorOf(HttpContext http) =>
        http.RequestServices.GetRequiredService<UiSession>().Current(http)?.Name ?? "anonymous";
}
