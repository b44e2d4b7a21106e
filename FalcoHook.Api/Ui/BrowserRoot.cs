using Microsoft.Net.Http.Headers;

namespace FalcoHook.Api.Ui;

/// <summary><c>GET /</c>: a browser (it accepts text/html) goes to the UI; anything else gets 405, since <c>/</c> is Falco's POST endpoint.</summary>
internal static class BrowserRoot
{
    public static IResult Redirect(HttpContext http)
    {
        var accept = http.Request.GetTypedHeaders().Accept;
        if (accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)))
            return TypedResults.Redirect(UiExtensions.Prefix);
        http.Response.Headers[HeaderNames.Allow] = "POST";
        return TypedResults.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method Not Allowed",
            detail: "POST Falco's alerts to /; the web UI is at /ui.");
    }
}
