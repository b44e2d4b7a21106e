using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Storage;

/// <summary>
/// One replica on PostgreSQL while the database goes away and comes back (its own server, stopped and started on the
/// same data directory): ingest answers 503 with Retry-After and /readyz fails while it is gone, and the replica takes
/// alerts and is ready again by itself once it is back.
/// </summary>
public sealed class PostgresOutageTests
{
    private static StringContent Alert(int n) =>
        new(TestAlerts.Shell(n).ToJson(), Encoding.UTF8, "application/json");

    [SkippableFact]
    public async Task While_the_database_is_down_ingest_answers_503_with_Retry_After_and_readiness_fails_then_both_recover_without_a_restart()
    {
        PostgresServer.Require();
        await using var server = await PostgresServer.StartNewAsync();
        var connectionString = await server.CreateDatabaseAsync("outage");
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Storage:Provider", StorageOptions.Postgres)
            .With("FalcoHook:Storage:ConnectionString", connectionString);
        var client = factory.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", Alert(1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.IsType<PostgresInboxStore>(factory.Services.GetRequiredService<IInboxStore>());
        await Eventually.TrueAsync(() => factory.Recorder.Total == 1, "the alert taken before the outage reaches the pipeline");

        await server.StopAsync();

        var refused = await client.PostAsync("/", Alert(2));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://falcohook.dev/problems/storage-unavailable", (string)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["type"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode); // alive, only not ready
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("/", Alert(3))).StatusCode);

        await server.StartAsync();

        // Connections the pool held from before the restart fail once each; the replica needs no restart.
        await Eventually.TrueAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "ready again");
        await Eventually.TrueAsync(async () => (await client.PostAsync("/", Alert(4))).StatusCode == HttpStatusCode.OK, "ingest takes alerts again");
        await Eventually.TrueAsync(() => factory.Recorder.Snapshot().Any(a => a.Time == TestAlerts.Shell(4).Time), "an alert taken after the outage reaches the pipeline");
        Assert.DoesNotContain(factory.Recorder.Snapshot(), a => a.Time == TestAlerts.Shell(2).Time || a.Time == TestAlerts.Shell(3).Time);
    }
}
