namespace FalcoHook.Api.Hosting;

/// <summary>
/// First in the pipeline: on the listener of <paramref name="port"/> (the HTTPS one, open to kube-apiserver), answers
/// 404 problem+json to every request whose path is not one of <paramref name="paths"/> (exact, case-insensitive), so
/// that listener serves what it is for and nothing else. Null <paramref name="paths"/> serves everything.
/// </summary>
internal sealed class ListenerPathFilter(int port, IReadOnlyList<string>? paths) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        if (paths is not null) app.Use(ServeOnlyListedPathsAsync);
        next(app);
    };

    private async Task ServeOnlyListedPathsAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Connection.LocalPort != port || IsListed(context.Request.Path))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status404NotFound,
                Title = "Not Found",
                Detail = $"Port {port} serves {string.Join(", ", paths!)} only ({TlsOptions.Section}:HttpsPaths).",
            },
        });
    }

    private bool IsListed(PathString path)
    {
        var value = path.Value is { Length: > 1 } p ? p.TrimEnd('/') : path.Value ?? "/";
        foreach (var listed in paths!)
            if (string.Equals(value, listed, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
