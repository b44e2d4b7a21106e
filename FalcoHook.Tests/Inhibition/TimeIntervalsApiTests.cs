using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.TimeIntervals;
using FalcoHook.Tests.AlertmanagerApi;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Inhibition;

/// <summary>
/// <c>/api/v1/time-intervals</c>: a destination may name an interval put through the API (start-up checks the stored
/// ones); replacing it changes muting from the next batch on, without a restart; deleting it while named is refused
/// naming the destination; configuration's intervals are listed read-only; bad intervals are refused with the messages
/// configuration gives.
/// </summary>
public sealed class TimeIntervalsApiTests
{
    private const string Shell = "Terminal shell in container";

    private static FalcoHookFactory Start(TempDirectory dir, FakeReceiver receiver, bool muteByMaintenance)
    {
        var factory = new FalcoHookFactory().WithApiKeys()
            .With("FalcoHook:Storage:ConnectionString", $"Data Source={dir.File("falcohook.db")}")
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
            .With("FalcoHook:TimeIntervals:weekends:0:Weekdays:0", "saturday")
            .With("FalcoHook:TimeIntervals:weekends:0:Weekdays:1", "sunday");
        return muteByMaintenance ? factory.With("FalcoHook:Destinations:siem:MuteTimeIntervals:0", "maintenance") : factory;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_destination_muted_by_an_api_interval_follows_its_changes_and_keeps_it_from_being_deleted()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using (var first = Start(dir, receiver, muteByMaintenance: false))
        {
            var put = await first.Client().PutAsync("/api/v1/time-intervals/maintenance", Json("""{"timeIntervals":[{"years":["1999"]}]}"""));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        dir.ClosePooledConnections();

        // The destination names the stored interval: start-up accepts it.
        using var second = Start(dir, receiver, muteByMaintenance: true);
        var client = second.Client();
        await AmAlerts.PostAsync(second, client, AmAlerts.Json(Shell, "node-1"));
        var sent = (await AmAlerts.ByHostAsync(client, Shell))["node-1"];
        Assert.Equal(["siem"], AmAlerts.Strings(sent, "receivers"));
        Assert.Empty(AmAlerts.Strings(sent.GetProperty("status"), "mutedBy"));

        // An entry with no constraint covers every instant: from the next batch on, siem is muted.
        var replaced = await client.PutAsync("/api/v1/time-intervals/maintenance", Json("""{"timeIntervals":[{}]}"""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        await AmAlerts.PostAsync(second, client, AmAlerts.Json(Shell, "node-2"));
        var muted = (await AmAlerts.ByHostAsync(client, Shell))["node-2"];
        Assert.Empty(AmAlerts.Strings(muted, "receivers"));
        Assert.Equal(["maintenance"], AmAlerts.Strings(muted.GetProperty("status"), "mutedBy"));
        Assert.Equal("suppressed", muted.GetProperty("status").GetProperty("state").GetString());
        Assert.Single(await receiver.WaitForRequestsAsync(1));

        var delete = await client.DeleteAsync("/api/v1/time-intervals/maintenance");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Contains("'siem'", JsonDocument.Parse(await delete.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());

        var listed = (await client.GetFromJsonAsync<List<TimeIntervalDto>>("/api/v1/time-intervals"))!;
        Assert.Equal([("weekends", "config"), ("maintenance", "api")], listed.Select(i => (i.Name, i.Origin)));
        Assert.Equal(["saturday", "sunday"], Assert.Single(listed[0].TimeIntervals).Weekdays);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PutAsync("/api/v1/time-intervals/weekends", Json("""{"timeIntervals":[{}]}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync("/api/v1/time-intervals/weekends")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await second.Client(FalcoHookFactory.ReadKey).PutAsync("/api/v1/time-intervals/other", Json("""{"timeIntervals":[{}]}"""))).StatusCode);
    }

    [Fact]
    public async Task An_interval_no_destination_names_is_deleted()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using var factory = Start(dir, receiver, muteByMaintenance: false);
        var client = factory.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/api/v1/time-intervals/nights", Json("""{"timeIntervals":[{"times":[{"startTime":"22:00","endTime":"24:00"}]}]}"""))).StatusCode);
        Assert.Equal("24:00", (await client.GetFromJsonAsync<TimeIntervalDto>("/api/v1/time-intervals/nights"))!.TimeIntervals[0].Times[0].EndTime);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/v1/time-intervals/nights")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/v1/time-intervals/nights")).StatusCode);
    }

    [Fact]
    public async Task A_bad_interval_is_refused_per_field_with_the_messages_configuration_gives()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using var factory = Start(dir, receiver, muteByMaintenance: false);

        var response = await factory.Client().PutAsync("/api/v1/time-intervals/broken", Json("""
            {"timeIntervals":[{"years":["2026"]},{"weekdays":["funday"],"times":[{"startTime":"17:00","endTime":"09:00"}],"location":"Mars/Olympus_Mons"}]}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");

        var config = new OptionsFailures(TimeIntervalSet.Section);
        TimeIntervalSet.Compile(new TimeIntervalsOptions
        {
            TimeIntervals =
            {
                ["broken"] =
                [
                    new TimeIntervalOptions { Years = ["2026"] },
                    new TimeIntervalOptions
                    {
                        Weekdays = ["funday"], Times = [new TimeRangeOptions { StartTime = "17:00", EndTime = "09:00" }], Location = "Mars/Olympus_Mons",
                    },
                ],
            },
        }, config);
        Assert.Equal(3, config.Items.Count);
        var expected = config.Items.ToDictionary(i => AlertManagementProblems.JsonPath("TimeIntervals:" + i.Key["broken:".Length..]), i => i.Message);
        Assert.Equal(["timeIntervals[1].location", "timeIntervals[1].times[0]", "timeIntervals[1].weekdays[0]"], expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, message) in expected)
            Assert.Equal([message], errors.GetProperty(key).EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, errors.EnumerateObject().Count());
    }
}
