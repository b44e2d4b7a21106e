using System.Net;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Events;

/// <summary>A storm in the history: held alerts link to their summary once it is made, and the summary lists them.</summary>
public sealed class StormHistoryTests
{
    [Fact]
    public async Task A_closed_storm_is_an_event_of_its_own_linking_the_alerts_held_into_it()
    {
        await using var factory = new FalcoHookFactory()
            .With("FalcoHook:Pipeline:Aggregate:Threshold", "2")
            .With("FalcoHook:Pipeline:Aggregate:Window", "00:00:01")
            .With("FalcoHook:Pipeline:Dedup:Enabled", "false");
        using var client = factory.Client(key: null);
        for (var n = 0; n < 5; n++)
        {
            var alert = JsonSerializer.Serialize(new
            {
                output = $"shell {n}", priority = "Critical", rule = "Terminal shell in container", source = "syscall", hostname = "node-a",
                tags = new[] { "shell" }, time = "2026-11-30T10:00:00.000000000Z", output_fields = new Dictionary<string, object> { ["proc.pid"] = n },
            });
            using var response = await client.PostAsync("/", new StringContent(alert, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var summaries = await Eventually.MatchesAsync(() => client.GetFromJsonAsync<JsonElement>("/api/v1/events?kind=summary"),
            page => page.GetProperty("items").GetArrayLength() == 1, "the storm's summary in the history");
        var summary = summaries.GetProperty("items")[0];
        Assert.True(summary.GetProperty("id").GetInt64() < 0);
        var held = (await client.GetFromJsonAsync<JsonElement>("/api/v1/events?decision=aggregated")).GetProperty("items")
            .EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).Order().ToList();
        Assert.Equal(3, held.Count);                                                     // over the threshold of 2

        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/events/{summary.GetProperty("id").GetInt64()}");
        Assert.Equal(held, detail.GetProperty("heldAlerts").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(5, detail.GetProperty("digest").GetProperty("count").GetInt64());
        var one = await client.GetFromJsonAsync<JsonElement>($"/api/v1/events/{held[0]}");
        Assert.Equal(summary.GetProperty("id").GetInt64(), one.GetProperty("summaryId").GetInt64());

        var stats = await client.GetFromJsonAsync<JsonElement>("/api/v1/events/stats");
        Assert.Equal(5, stats.GetProperty("total").GetInt64());                          // the summary stands for alerts counted already
        Assert.Empty(stats.GetProperty("storms").EnumerateArray());                      // the storm is over
    }
}
