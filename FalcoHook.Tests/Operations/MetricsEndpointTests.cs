using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Operations;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Scrape_shows_received_alerts_by_source_and_priority_and_http_metrics()
    {
        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        // Meters are matched by name across the test process: a source of its own keeps this test's series apart.
        var source = "ops_metrics_" + Guid.NewGuid().ToString("N")[..8];
        var body = $$"""
            [{"rule":"A","priority":"Critical","time":"2026-11-27T10:00:00Z","source":"{{source}}"},
             {"rule":"B","priority":"critical","time":"2026-11-27T10:00:00Z","source":"{{source}}"},
             {"rule":"C","priority":"Notice","time":"2026-11-27T10:00:00Z","source":"{{source}}"}]
            """;
        var posted = await client.PostAsync("/", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var rejected = await client.PostAsync("/", new StringContent("{", MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);

        var scrape = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        var text = await scrape.Content.ReadAsStringAsync();

        // falcohook.alerts.received, unit {alert}: the annotation unit is dropped, a counter gets _total.
        Assert.Contains("# TYPE falcohook_alerts_received_total counter", text);
        Assert.Equal(2, Sample(text, "falcohook_alerts_received_total", ("source", source), ("priority", "Critical")));
        Assert.Equal(1, Sample(text, "falcohook_alerts_received_total", ("source", source), ("priority", "Notice")));
        // No label of this test's own here: another test's FalcoHook meter, alive meanwhile, can add a series of the same labels.
        Assert.True(Samples(text, "falcohook_requests_rejected_total", ("endpoint", "alerts"), ("reason", "invalid")).Sum() >= 1);
        // ASP.NET Core's own instruments come out of the same MeterProvider (unit s gives _seconds).
        Assert.Contains("http_server_request_duration_seconds_bucket", text);
        // And .NET's: the thread pool and the GC of this process.
        Assert.True(Samples(text, "dotnet_thread_pool_thread_count_total").Single() >= 1);
        Assert.Contains("dotnet_gc_collections_total", text);
    }

    [Fact]
    public async Task The_metrics_endpoint_is_described_in_openapi_under_operations()
    {
        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var get = document.RootElement.GetProperty("paths").GetProperty("/metrics").GetProperty("get");
        Assert.Equal("Metrics", get.GetProperty("operationId").GetString());
        Assert.Contains("Operations", get.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(get.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/plain", out _));
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static double Sample(string exposition, string name, params (string Key, string Value)[] labels) =>
        Assert.Single(Samples(exposition, name, labels));

    /// <summary>The values of every sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static List<double> Samples(string exposition, string name, params (string Key, string Value)[] labels) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Select(line => double.Parse(Regex.Match(line, @"\}\s+(\S+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
