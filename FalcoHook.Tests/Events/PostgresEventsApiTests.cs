using System.Text.Json;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Postgres;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FalcoHook.Tests.Events;

/// <summary>The known alerts of <see cref="KnownAlertsFixture"/> posted to a service whose storage is a PostgreSQL of its own.</summary>
public sealed class PostgresKnownAlertsFixture : KnownAlertsFixture
{
    public PostgresServer? Server { get; private set; }
    public string ConnectionString { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        // Without PostgreSQL nothing starts; each test's PostgresServer.Require() skips it (fails under CI).
        if (SystemBinary.Find("initdb", Path.Combine(PostgresServer.BinDirectory, "initdb")) is null) return;
        await base.InitializeAsync();
    }

    protected override async Task ConfigureAsync(FalcoHookFactory factory)
    {
        Server = await PostgresServer.StartNewAsync();
        ConnectionString = await Server.CreateDatabaseAsync("eventsapi");
        factory.With("FalcoHook:Storage:Provider", StorageOptions.Postgres).With("FalcoHook:Storage:ConnectionString", ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>The history's API with <c>FalcoHook:Storage:Provider</c> postgres: the same counts as on SQLite, from the database.</summary>
public sealed class PostgresEventsApiTests(PostgresKnownAlertsFixture known) : IClassFixture<PostgresKnownAlertsFixture>
{
    [SkippableFact]
    public async Task The_history_is_kept_in_PostgreSQL_and_no_events_file_is_made()
    {
        PostgresServer.Require();
        Assert.IsType<PostgresEventStore>(known.Factory.Services.GetRequiredService<IEventStore>());
        Assert.Null(known.Factory.Services.GetService<SqliteEventDatabase>());
        await using var connection = new NpgsqlConnection(known.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM events WHERE kind = 0", connection);
        Assert.Equal((long)KnownAlertsFixture.Total, await command.ExecuteScalarAsync());
        Assert.Equal(PostgresDatabase.SchemaVersion, await known.Factory.Services.GetRequiredService<PostgresDatabase>().MigrateAsync(CancellationToken.None));
    }

    [SkippableTheory]
    [InlineData("", 49)]
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
        PostgresServer.Require();
        var all = await known.AllAsync("/api/v1/events?limit=7&" + filter);
        Assert.Equal(expected, all.Count);
        Assert.Equal(all.Count, all.Select(e => e.GetProperty("id").GetInt64()).Distinct().Count());

        var stats = await known.Reader.GetFromJsonAsync<JsonElement>("/api/v1/events/stats?" + filter);
        Assert.Equal(expected, stats.GetProperty("total").GetInt64());
        Assert.Equal(expected, stats.GetProperty("timeline").EnumerateArray().Sum(b => b.GetProperty("total").GetInt64()));
    }

    [SkippableFact]
    public async Task Stats_count_by_priority_source_rule_hostname_namespace_and_tag_and_show_the_open_storm()
    {
        PostgresServer.Require();
        var stats = await known.Reader.GetFromJsonAsync<JsonElement>("/api/v1/events/stats");

        Assert.Equal(49, stats.GetProperty("total").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["Critical"] = 8, ["Error"] = 4, ["Warning"] = 12, ["Notice"] = 25 }, Counts(stats, "byPriority"));
        Assert.Equal(new Dictionary<string, long> { ["syscall"] = 24, ["k8s_audit"] = 25 }, Counts(stats, "bySource"));
        Assert.Equal(new Dictionary<string, long> { ["node-a"] = 12, ["node-b"] = 8, ["node-c"] = 25, ["node-d"] = 4 }, Counts(stats, "byHostname"));
        Assert.Equal(new Dictionary<string, long> { ["kube-system"] = 25, ["payments"] = 14, ["default"] = 10 }, Counts(stats, "byNamespace"));
        Assert.Equal(new Dictionary<string, long>
        {
            ["k8s"] = 25, ["filesystem"] = 12, ["mitre_credential_access"] = 12, ["container"] = 8, ["shell"] = 8, ["mitre_execution"] = 8, ["network"] = 4,
        }, Counts(stats, "byTag"));
        var storm = Assert.Single(stats.GetProperty("storms").EnumerateArray());
        Assert.Equal("K8s Secret Get", storm.GetProperty("rule").GetString());
        Assert.Equal(5, storm.GetProperty("held").GetInt64());
    }

    [SkippableFact]
    public async Task An_event_shows_its_delivery_as_the_PostgreSQL_outbox_has_it()
    {
        PostgresServer.Require();
        var shell = (await known.AllAsync("/api/v1/events?hostname=node-b&limit=1000")).Last();
        var id = shell.GetProperty("id").GetInt64();

        var detail = await Eventually.MatchesAsync(
            () => known.Reader.GetFromJsonAsync<JsonElement>($"/api/v1/events/{id}"),
            d => d.GetProperty("deliveries").EnumerateArray().Any(x => x.GetProperty("state").GetString() == "delivered"),
            "the shell alert's delivery to be delivered");

        Assert.Equal("Terminal shell in container", detail.GetProperty("alert").GetProperty("rule").GetString());
        var delivery = Assert.Single(detail.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("siem", delivery.GetProperty("destination").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Contains(known.Receiver.Requests, r => r.Header("webhook-id") == delivery.GetProperty("id").GetString());
    }

    private static Dictionary<string, long> Counts(JsonElement stats, string name) =>
        stats.GetProperty(name).EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => c.GetProperty("count").GetInt64());
}
