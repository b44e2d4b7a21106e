namespace FalcoHook.Api.Hosting;

/// <summary>
/// <c>FalcoHook.Api --healthcheck</c>: asks the running service's /healthz and exits 0 or 1. The container
/// image's HEALTHCHECK uses it, since the runtime image has no curl.
/// </summary>
public static class HealthProbe
{
    public static bool IsRequested(string[] args) => args.Contains("--healthcheck", StringComparer.Ordinal);

    public static async Task<int> RunAsync()
    {
        var configured = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(',', ';')[0];
        var port = string.IsNullOrWhiteSpace(configured) ? "2801" : configured;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync($"http://127.0.0.1:{port}/healthz");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
