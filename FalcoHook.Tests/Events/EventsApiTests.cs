using System.Net;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Events;

/// <summary>The history's API against the known set of <see cref="KnownAlertsFixture"/>: every count is what was posted.</summary>
public sealed class EventsApiTests(KnownAlertsFixture known) : IClassFixture<KnownAlertsFixture>
{
    [Fact]
    public async Task Pages_of_ten_give_every_posted_alert_once_newest_first()
    {
        var all = await known.AllAsync("/api/v1/events?limit=10");

        Assert.Equal(KnownAlertsFixture.Total, all.Count);
        Assert.Equal(KnownAlertsFixture.Total, all.Select(e => e.GetProperty("id").GetInt64()).Distinct().Count());
        Assert.Equal(Enumerable.Reverse(known.Posted), all.Select(e => e.GetProperty("rule").GetString()));
        var times = all.Select(e => e.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(KnownAlertsFixture.Base.AddSeconds(KnownAlertsFixture.Total - 1), times[0]);
        Assert.Equal(times.OrderByDescending(t => t), times);
    }

    [Theory]
    [InlineData("priority=error", 12)]
    [InlineData("priority=warning", 24)]
    [InlineData("rule=Read%20sensitive%20file%20untrusted", 12)]
    [InlineData("source=k8s_audit", 25)]
    [InlineData("hostname=node-b", 8)]
    [InlineData("tags=mitre_execution", 8)]
    [InlineData("tags=FILESYSTEM,mitre_credential_access", 12)]
    [InlineData("tags=filesystem,shell", 0)]
    [InlineData("field.k8s.ns.name=payments", 14)]
    [InlineData("namespace=payments", 14)]
    [InlineData("namespace=kube-system&q=secret", 25)]
    [InlineData("field.k8s.ns.name=kube-system&priority=warning", 0)]
    [InlineData("field.fd.name=/etc/shadow", 4)]
    [InlineData("field.proc.pid=103", 1)]
    [InlineData("q=shadow", 4)]
    [InlineData("q=etc%20shadow", 4)]
    [InlineData("q=sudo*", 8)]
    [InlineData("q=shadow&field.k8s.ns.name=payments", 2)]
    [InlineData("q=secret&priority=notice", 25)]
    [InlineData("q=nothing-matches-this", 0)]
    [InlineData("decision=deduplicated", 3)]
    [InlineData("decision=aggregated", 5)]
    [InlineData("decision=routed", 9)]
    [InlineData("decision=unrouted", 32)]
    [InlineData("kind=alert", 49)]
    [InlineData("since=2026-11-30T10:59:50Z&until=2026-11-30T11:00:10Z", 20)]
    [InlineData("since=2026-11-30T11:00:00Z&hostname=node-c", 25)]
    public async Task Filters_count_what_was_posted(string filter, int expected)
    {
        var all = await known.AllAsync("/api/v1/events?limit=7&" + filter);
        Assert.Equal(expected, all.Count);

        var stats = await known.Reader.GetFromJsonAsync<JsonElement>("/api/v1/events/stats?" + filter);
        Assert.Equal(expected, stats.GetProperty("total").GetInt64());
        Assert.Equal(expected, stats.GetProperty("timeline").EnumerateArray().Sum(b => b.GetProperty("total").GetInt64()));
    }

    [Fact]
    public async Task Stats_count_by_priority_source_rule_hostname_namespace_and_tag_and_show_the_open_storm()
    {
        var stats = await known.Reader.GetFromJsonAsync<JsonElement>("/api/v1/events/stats");

        Assert.Equal(49, stats.GetProperty("total").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["Critical"] = 8, ["Error"] = 4, ["Warning"] = 12, ["Notice"] = 25 }, Counts(stats, "byPriority"));
        Assert.Equal(new Dictionary<string, long> { ["syscall"] = 24, ["k8s_audit"] = 25 }, Counts(stats, "bySource"));
        Assert.Equal(new Dictionary<string, long>
        {
            ["K8s Secret Get"] = 25, ["Read sensitive file untrusted"] = 12, ["Terminal shell in container"] = 8, ["Outbound connection"] = 4,
        }, Counts(stats, "byRule"));
        Assert.Equal(new Dictionary<string, long> { ["node-a"] = 12, ["node-b"] = 8, ["node-c"] = 25, ["node-d"] = 4 }, Counts(stats, "byHostname"));
        Assert.Equal(new Dictionary<string, long> { ["kube-system"] = 25, ["payments"] = 14, ["default"] = 10 }, Counts(stats, "byNamespace"));
        Assert.Equal(new Dictionary<string, long>
        {
            ["k8s"] = 25, ["filesystem"] = 12, ["mitre_credential_access"] = 12, ["container"] = 8, ["shell"] = 8, ["mitre_execution"] = 8, ["network"] = 4,
        }, Counts(stats, "byTag"));
        Assert.Equal(49, stats.GetProperty("timeline").EnumerateArray().Sum(b => b.GetProperty("total").GetInt64()));
        var storm = Assert.Single(stats.GetProperty("storms").EnumerateArray());
        Assert.Equal("K8s Secret Get", storm.GetProperty("rule").GetString());
        Assert.Equal(5, storm.GetProperty("held").GetInt64());
    }

    [Theory]
    [InlineData("", 49)]                                                             // every hour from the hourly counts
    [InlineData("since=2026-11-30T10:00:00Z&until=2026-11-30T12:00:00Z", 49)]        // whole hours
    [InlineData("since=2026-11-30T10:59:50Z&until=2026-11-30T12:00:00Z", 39)]        // a partial hour, then whole ones
    [InlineData("since=2026-11-30T10:00:00Z&until=2026-11-30T11:00:05Z", 25)]        // whole ones, then a partial hour
    [InlineData("since=2026-11-30T10:59:41Z&until=2026-11-30T11:00:01Z", 20)]        // inside two partial hours
    public async Task Stats_over_time_alone_agree_with_the_events_whichever_way_they_are_counted(string range, int expected)
    {
        var stats = await known.Reader.GetFromJsonAsync<JsonElement>("/api/v1/events/stats?bucket=1h&" + range);
        Assert.Equal(expected, stats.GetProperty("total").GetInt64());
        Assert.Equal(expected, Counts(stats, "byPriority").Values.Sum());
        Assert.Equal(expected, stats.GetProperty("timeline").EnumerateArray().Sum(b => b.GetProperty("total").GetInt64()));
        Assert.Equal(expected, (await known.AllAsync("/api/v1/events?limit=1000&kind=alert&" + range)).Count);
    }

    [Fact]
    public async Task An_event_shows_its_alert_enrichment_decisions_and_delivered_delivery()
    {
        var shell = (await known.AllAsync("/api/v1/events?hostname=node-b&limit=1000")).Last();
        var id = shell.GetProperty("id").GetInt64();

        var detail = await Eventually.MatchesAsync(
            () => known.Reader.GetFromJsonAsync<JsonElement>($"/api/v1/events/{id}"),
            d => d.GetProperty("deliveries").EnumerateArray().Any(x => x.GetProperty("state").GetString() == "delivered"),
            "the shell alert's delivery to be delivered");

        Assert.Equal("Terminal shell in container", detail.GetProperty("alert").GetProperty("rule").GetString());
        Assert.Equal("bash", detail.GetProperty("alert").GetProperty("output_fields").GetProperty("proc.name").GetString());
        Assert.Equal("execution", detail.GetProperty("enrichment").GetProperty("category").GetString());
        var route = detail.GetProperty("decisions").EnumerateArray().Last();
        Assert.Equal("routed", route.GetProperty("kind").GetString());
        Assert.Equal(["siem"], route.GetProperty("destinations").EnumerateArray().Select(d => d.GetString()));
        var delivery = Assert.Single(detail.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("siem", delivery.GetProperty("destination").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Contains(known.Receiver.Requests, r => r.Header("webhook-id") == delivery.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_repeat_names_the_alert_it_repeats_and_a_held_alert_its_storm()
    {
        var outbound = await known.AllAsync("/api/v1/events?rule=Outbound%20connection");
        var first = outbound.Single(e => e.GetProperty("decision").GetString() == "routed").GetProperty("id").GetInt64();
        var repeat = outbound.First(e => e.GetProperty("decision").GetString() == "deduplicated").GetProperty("id").GetInt64();
        var detail = await known.Reader.GetFromJsonAsync<JsonElement>($"/api/v1/events/{repeat}");
        Assert.Equal(first, detail.GetProperty("repeatOf").GetInt64());
        Assert.Equal("deduplicated", detail.GetProperty("decisions").EnumerateArray().Last().GetProperty("kind").GetString());
        Assert.Empty(detail.GetProperty("deliveries").EnumerateArray());

        var held = (await known.AllAsync("/api/v1/events?decision=aggregated"))[0];
        var storm = await known.Reader.GetFromJsonAsync<JsonElement>($"/api/v1/events/{held.GetProperty("id").GetInt64()}");
        Assert.Equal("aggregate", storm.GetProperty("decisions").EnumerateArray().Last().GetProperty("stage").GetString());
        Assert.False(string.IsNullOrEmpty(held.GetProperty("summaryFingerprint").GetString()));
    }

    [Theory]
    [InlineData("ndjson", 0)]
    [InlineData("csv", 1)]
    public async Task Export_streams_every_matching_event(string format, int header)
    {
        using var response = await known.Reader.GetAsync($"/api/v1/events/export?format={format}&source=syscall");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(24 + header, lines.Length);
        if (format == "ndjson") Assert.All(lines, line => Assert.Equal("syscall", JsonDocument.Parse(line).RootElement.GetProperty("source").GetString()));
        else Assert.StartsWith("id,kind,time", lines[0]);
    }

    [Theory]
    [InlineData("/api/v1/events?priority=loud", "priority")]
    [InlineData("/api/v1/events?decision=lost", "decision")]
    [InlineData("/api/v1/events?since=yesterday", "since")]
    [InlineData("/api/v1/events?limit=0", "limit")]
    [InlineData("/api/v1/events/stats?bucket=10s", "bucket")]
    [InlineData("/api/v1/events/export?format=xml", "format")]
    public async Task Bad_filters_are_refused_with_problem_details_naming_the_parameter(string url, string parameter)
    {
        using var response = await known.Reader.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task The_history_needs_a_key_and_an_unknown_event_is_a_problem()
    {
        using var anonymous = known.Factory.Client(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/events")).StatusCode);
        using var missing = await known.Reader.GetAsync("/api/v1/events/999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private static Dictionary<string, long> Counts(JsonElement stats, string name) =>
        stats.GetProperty(name).EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => c.GetProperty("count").GetInt64());
}
