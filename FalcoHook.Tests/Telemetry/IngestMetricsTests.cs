using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Telemetry;

public sealed class IngestMetricsTests
{
    [Fact]
    public async Task Received_alerts_are_counted_by_source_and_priority_and_rejections_by_reason()
    {
        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        using var metrics = new MetricRecorder(factory.Services.GetRequiredService<IMeterFactory>());

        var body = """
            [{"rule":"A","priority":"critical","time":"2024-01-01T00:00:00Z","source":"syscall"},
             {"rule":"B","priority":"Warning","time":"2024-01-01T00:00:00Z","source":"k8s_audit"},
             {"rule":"C","priority":"Critical","time":"2024-01-01T00:00:00Z","source":"syscall"}]
            """;
        var ok = await client.PostAsync("/", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var bad = await client.PostAsync("/", new StringContent("{", MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        Assert.Equal(2, metrics.Sum("falcohook.alerts.received", ("source", "syscall"), ("priority", "Critical")));
        Assert.Equal(1, metrics.Sum("falcohook.alerts.received", ("source", "k8s_audit"), ("priority", "Warning")));
        Assert.Equal(3, metrics.Sum("falcohook.alerts.received"));
        Assert.Equal(1, metrics.Sum("falcohook.requests.rejected", ("reason", "invalid")));
    }
}
