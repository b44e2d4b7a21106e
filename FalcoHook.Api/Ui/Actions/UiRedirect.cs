using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Ui.Actions;

/// <summary>Where an action sends the browser afterwards (a redirect, so a reload does not post again), with a message for the page.</summary>
internal static class UiRedirect
{
    public static RedirectHttpResult Done(string page, string message) => To(page, "done", message);

    public static RedirectHttpResult Failed(string page, string message) => To(page, "failed", message);

    private static RedirectHttpResult To(string page, string key, string message)
    {
        var separator = page.Contains('?') ? '&' : '?';
        return TypedResults.Redirect($"{page}{separator}{key}={Uri.EscapeDataString(message)}");
    }
}
