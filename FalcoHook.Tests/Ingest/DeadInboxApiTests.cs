using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Api.Auth;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Tests.Delivery;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Ingest;

/// <summary>An alert set aside in inbox_dead is not lost: the API lists it and, once the pipeline is fixed, hands it over again.</summary>
public sealed class DeadInboxApiTests
{
    [Fact]
    public async Task A_dead_alert_is_listed_and_handed_to_the_pipeline_again_on_retry()
    {
        var pipeline = new PipelineFailingOn("Poison");
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Ingest:MaxHandleAttempts", "1")
            .With("FalcoHook:Ingest:FailureBackoff", "00:00:00.010")
            .WithApiKeys()
            .WithBatchHandler(pipeline);
        var client = factory.Client(FalcoHookFactory.WriteKey);
        var body = string.Join(",", new[] { "First", "Poison", "Last" }.Select(rule =>
            $$$"""{"rule":"{{{rule}}}","priority":"Error","time":"2026-11-27T10:00:00Z","output":"{{{rule}}} output"}"""));

        var posted = await client.PostAsync("/", new StringContent($"[{body}]", MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        await Eventually.TrueAsync(() => factory.Recorder.Total == 2, "the alerts around the poisonous one handled");
        List<DeadInboxDto> dead = [];
        await Eventually.TrueAsync(async () => (dead = (await client.GetFromJsonAsync<List<DeadInboxDto>>("/api/v1/inbox/dead"))!).Count == 1, "one dead inbox row listed");

        var row = Assert.Single(dead);
        Assert.Contains("\"rule\":\"Poison\"", row.Alert);
        Assert.Contains("pipeline cannot take Poison", row.Error);
        Assert.Equal(2, row.Attempts);
        Assert.Equal(["First", "Last"], factory.Recorder.Snapshot().Select(a => a.Rule));

        pipeline.Fixed = true;
        var retried = await client.PostAsync($"/api/v1/inbox/dead/{row.Id}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await Eventually.TrueAsync(() => factory.Recorder.Total == 3, "the retried alert handled");
        Assert.Equal("Poison", factory.Recorder.Snapshot()[^1].Rule);
        Assert.Empty((await client.GetFromJsonAsync<List<DeadInboxDto>>("/api/v1/inbox/dead"))!);
        var again = await client.PostAsync($"/api/v1/inbox/dead/{row.Id}/retry", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Retrying_a_dead_alert_needs_a_write_key()
    {
        using var factory = new FalcoHookFactory().WithApiKeys();

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client(key: null).PostAsync("/api/v1/inbox/dead/1/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await factory.Client(FalcoHookFactory.ReadKey).PostAsync("/api/v1/inbox/dead/1/retry", null)).StatusCode);
    }

    private sealed class PipelineFailingOn(string rule) : IAlertBatchHandler
    {
        public volatile bool Fixed;

        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken) =>
            !Fixed && batch.Any(item => item.Alert.Rule == rule) ? throw new InvalidOperationException($"the pipeline cannot take {rule}") : Task.CompletedTask;
    }
}
