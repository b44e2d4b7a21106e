using System.Net;
using System.Net.Http.Json;
using System.Text;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Storage;
using FalcoHook.Core.TimeIntervals;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Inhibition;

/// <summary>
/// Two replicas on one PostgreSQL database: an inhibition rule or a time interval put or deleted through one replica's
/// API is in the other's set soon after (LISTEN/NOTIFY, as silences), without a restart.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertManagementAcrossReplicasTests(PostgresFixture fixture)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static FalcoHookFactory Replica(string connectionString) => new FalcoHookFactory().WithApiKeys()
        .With("FalcoHook:Storage:Provider", StorageOptions.Postgres)
        .With("FalcoHook:Storage:ConnectionString", connectionString)
        .With("FalcoHook:Events:Enabled", "false"); // the history is a SQLite file of each replica's own, not shared here

    [SkippableFact]
    public async Task A_change_through_one_replica_reaches_the_other()
    {
        var connectionString = await fixture.Server.CreateDatabaseAsync("replicas");
        using var first = Replica(connectionString);
        using var second = Replica(connectionString);
        var one = first.Client();
        var other = second.Client();
        Assert.Empty((await other.GetFromJsonAsync<List<InhibitRuleDto>>("/api/v1/inhibit-rules"))!); // loaded before the change
        Assert.Empty((await other.GetFromJsonAsync<List<TimeIntervalDto>>("/api/v1/time-intervals"))!);

        Assert.Equal(HttpStatusCode.Created, (await one.PutAsync("/api/v1/inhibit-rules/escape", Json("""
            {"sourceMatchers":["alertname=\"Container escape\""],"targetMatchers":["alertname=\"Terminal shell in container\""],"equal":["hostname"]}
            """))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await one.PutAsync("/api/v1/time-intervals/always", Json("""{"timeIntervals":[{}]}"""))).StatusCode);

        var set = second.Services.GetRequiredService<TimeIntervalSet>();
        await Eventually.TrueAsync(async () => (await other.GetFromJsonAsync<List<InhibitRuleDto>>("/api/v1/inhibit-rules"))!.Any(r => r.Name == "escape"),
            "the other replica lists the rule");
        await Eventually.TrueAsync(() => set.Covers("always", DateTimeOffset.UtcNow), "the other replica's router sees the interval");

        Assert.Equal(HttpStatusCode.NoContent, (await one.DeleteAsync("/api/v1/time-intervals/always")).StatusCode);
        await Eventually.TrueAsync(() => !set.Has("always"), "the other replica forgets the deleted interval");
    }
}
