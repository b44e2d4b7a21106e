namespace FalcoHook.Api.Ui;

/// <summary>
/// Before any UI page or action: who may not read (no session, and the anonymous read rules do not let them) is sent
/// to the sign-in page (a page) or refused with 401 (anything else). Sign-in and the UI's own assets are open.
/// </summary>
internal static class UiAccess
{
    public static bool Applies(HttpContext http)
    {
        var path = http.Request.Path;
        if (!path.StartsWithSegments(UiExtensions.Prefix, StringComparison.OrdinalIgnoreCase)) return false;
        return !path.StartsWithSegments("/ui/signin", StringComparison.OrdinalIgnoreCase) &&
               !path.StartsWithSegments(Actions.UiActions.Prefix + "/signin", StringComparison.OrdinalIgnoreCase) &&
               !path.StartsWithSegments(UiAssets.PathPrefix, StringComparison.OrdinalIgnoreCase);
    }

    public static async Task RequireReaderAsync(HttpContext http, RequestDelegate next)
    {
        var session = http.RequestServices.GetRequiredService<UiSession>();
        if (session.Current(http) is not null)
        {
            http.Response.Headers.CacheControl = "no-cache, no-store";
            http.Response.Headers.Pragma = "no-cache";
            http.Response.Headers["X-Frame-Options"] = "DENY";
            await next(http);
            return;
        }
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            http.Response.Redirect("/ui/signin?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "Sign in to the UI with an API key first (/ui/signin).").ExecuteAsync(http);
    }

    /// <summary>A local path to go back to after sign-in: under /ui, never another host.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith("/ui", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) &&
        !url.Contains('\\') ? url : "/ui";
}
