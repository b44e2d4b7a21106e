using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Events;

/// <summary>
/// The SQLite history's lists read an index newest first and stop at the page: no query plan sorts the matches, and the
/// cursor walks events of one millisecond without losing or repeating one.
/// </summary>
public sealed class SqliteEventQueryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteEventDatabase _database;
    private readonly SqliteEventStore _store;

    public SqliteEventQueryTests()
    {
        _database = new SqliteEventDatabase(Options.Create(new EventsOptions { File = _dir.File("events.db") }), Options.Create(new StorageOptions()));
        _store = new SqliteEventStore(_database);
    }

    public void Dispose() => _dir.Dispose();

    private static EventRecord Record(FalcoAlert alert) =>
        new(EventKind.Alert, TestAlerts.FromInbox(alert, "fp"), DateTimeOffset.UnixEpoch, [new PipelineDecision("route", DecisionKind.Unrouted)], []);

    [Fact]
    public async Task Text_search_finds_field_values_whether_or_not_the_output_holds_them_and_the_index_holds_them_once()
    {
        var fields = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["proc.name"] = System.Text.Json.JsonSerializer.SerializeToElement("bash"), // in the output as a word
            ["container.image.repository"] = System.Text.Json.JsonSerializer.SerializeToElement("registry.example/payments-api"), // not in the output
            ["user.name"] = System.Text.Json.JsonSerializer.SerializeToElement("root"), // in the output only inside "rootkit"
        };
        var shell = TestAlerts.Shell(1);
        var alert = new FalcoAlert
        {
            Rule = shell.Rule, Priority = shell.Priority, Time = shell.Time, Source = shell.Source, Hostname = shell.Hostname,
            Output = "Shell spawned (process=bash rootkit=maybe)", OutputFields = fields,
        };
        await _store.RecordAsync([Record(alert)], DateTimeOffset.UnixEpoch, default);

        Assert.Equal("registry.example/payments-api\nroot\n", SqliteEventWriter.FieldsText(alert));
        foreach (var text in (string[])["bash", "payments-api", "registry.example", "root", "rootkit"])
            Assert.Single((await _store.QueryAsync(new EventQuery { Text = text }, null, 10, default)).Items);
        Assert.Empty((await _store.QueryAsync(new EventQuery { Text = "zsh" }, null, 10, default)).Items);
        Assert.True(SqliteEventWriter.HoldsAsWords("a /etc/shadow b", "/etc/shadow"));
        Assert.True(SqliteEventWriter.HoldsAsWords("user=root)", "root"));
        Assert.False(SqliteEventWriter.HoldsAsWords("rootkit", "root"));
        Assert.False(SqliteEventWriter.HoldsAsWords("chroot", "root"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("shell")]
    [InlineData("hostname")]
    [InlineData("field")]
    public async Task Pages_within_one_millisecond_follow_the_cursor_without_losing_or_repeating_an_event(string filter)
    {
        // TestAlerts.Shell(n) differ by n nanoseconds: all 30 share one millisecond.
        var recorded = await _store.RecordAsync([.. Enumerable.Range(0, 30).Select(n => Record(TestAlerts.Shell(n)))], DateTimeOffset.UnixEpoch, default);
        var query = filter switch
        {
            "shell" => new EventQuery { Text = "shell" },
            "hostname" => new EventQuery { Hostname = "falco-xczjd", MinimumPriority = Priority.Warning },
            "field" => new EventQuery { Fields = new Dictionary<string, string> { ["k8s.ns.name"] = "default" }, Tags = ["SHELL"] },
            _ => new EventQuery(),
        };
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await _store.QueryAsync(query, cursor, 7, default);
            Assert.True(page.Items.Count <= 7);
            seen.AddRange(page.Items.Select(e => e.Id));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(recorded.Select(e => e.Id).Reverse(), seen);
    }

    [Fact]
    public async Task Exact_filters_match_values_not_words()
    {
        var other = Variant(1, "falco", "syscall", ["container"], TestAlerts.Shell().OutputFields);
        var audit = Variant(2, "falco-xczjd", "k8s_audit", [],
            new Dictionary<string, System.Text.Json.JsonElement> { ["ka.target.namespace"] = System.Text.Json.JsonSerializer.SerializeToElement("default") });
        await _store.RecordAsync([Record(TestAlerts.Shell(0)), Record(other), Record(audit)], DateTimeOffset.UnixEpoch, default);
        async Task<int> Count(EventQuery query) => (await _store.QueryAsync(query, null, 10, default)).Items.Count;

        Assert.Equal(1, await Count(new EventQuery { Hostname = "falco" }));
        Assert.Equal(2, await Count(new EventQuery { Hostname = "falco-xczjd" }));
        Assert.Equal(0, await Count(new EventQuery { Hostname = "xczjd" }));
        Assert.Equal(2, await Count(new EventQuery { Tags = ["Container"] }));
        Assert.Equal(1, await Count(new EventQuery { Tags = ["shell", "T1059"] }));
        Assert.Equal(0, await Count(new EventQuery { Fields = new Dictionary<string, string> { ["proc.name"] = "s" } }));
        Assert.Equal(2, await Count(new EventQuery { Fields = new Dictionary<string, string> { ["user.loginuid"] = "-1" } }));
        Assert.Equal(3, await Count(new EventQuery { MinimumPriority = Priority.Critical }));
        Assert.Equal(3, await Count(new EventQuery { Namespace = "default" }));
        Assert.Equal(1, await Count(new EventQuery { Namespace = "default", Source = "k8s_audit" }));
        Assert.Equal(0, await Count(new EventQuery { Namespace = "defaul" }));
        Assert.Equal(0, await Count(new EventQuery { MinimumPriority = Priority.Alert }));
    }

    private static FalcoAlert Variant(int n, string hostname, string source, IReadOnlyList<string> tags, IReadOnlyDictionary<string, System.Text.Json.JsonElement>? fields)
    {
        var shell = TestAlerts.Shell(n);
        return new FalcoAlert
        {
            Rule = shell.Rule, Priority = shell.Priority, Time = shell.Time, Output = shell.Output,
            Source = source, Hostname = hostname, Tags = tags, OutputFields = fields,
        };
    }

    public static TheoryData<string> Queries() => ["plain", "since", "text", "filters", "text+filters", "outcome", "per-event field"];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_list_reads_an_index_newest_first_and_never_sorts_the_matches(string name)
    {
        var query = name switch
        {
            "since" => new EventQuery { Since = DateTimeOffset.UnixEpoch, Until = DateTimeOffset.UtcNow },
            "text" => new EventQuery { Text = "shell spawn*" },
            "filters" => new EventQuery { Rule = "r", Hostname = "h", Source = "s", Namespace = "n", MinimumPriority = Priority.Warning, Tags = ["t"],
                Fields = new Dictionary<string, string> { ["k8s.ns.name"] = "payments" } },
            "text+filters" => new EventQuery { Text = "shadow", MinimumPriority = Priority.Warning, Since = DateTimeOffset.UnixEpoch,
                Fields = new Dictionary<string, string> { ["k8s.ns.name"] = "payments" } },
            "outcome" => new EventQuery { Outcome = DecisionKind.Silenced },
            "per-event field" => new EventQuery { Fields = new Dictionary<string, string> { ["evt.time"] = "1" } },
            _ => new EventQuery(),
        };
        await _store.CountAsync(default); // creates the file
        await using var connection = await _database.OpenAsync(default);
        await using var command = connection.CreateCommand();
        var sql = SqliteEventFilter.Build(query, command, beforeKey: long.MaxValue);
        command.CommandText = $"EXPLAIN QUERY PLAN SELECT e.id FROM {sql.From} WHERE {sql.Where} ORDER BY {sql.Key} DESC LIMIT 51";
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        var text = string.Join(" | ", plan);

        Assert.DoesNotContain("TEMP B-TREE", text);
        if (SqliteEventFilter.Match(query) is null) Assert.Contains("USING INDEX events_key", text);
        else
        {
            Assert.StartsWith("SCAN events_fts VIRTUAL TABLE INDEX", plan[0]);
            Assert.Contains("USING INDEX events_key (key=?)", text);
        }
    }

    [Theory]
    [InlineData("priority")]
    [InlineData("source and priority")]
    [InlineData("text and priority")]
    public async Task Stats_count_events_through_the_search_index_only_when_it_narrows_them(string name)
    {
        var query = name switch
        {
            "priority" => new EventQuery { MinimumPriority = Priority.Error },
            "source and priority" => new EventQuery { MinimumPriority = Priority.Warning, Source = "syscall" },
            _ => new EventQuery { MinimumPriority = Priority.Error, Text = "shadow" },
        };
        await _store.CountAsync(default); // creates the file
        await using var connection = await _database.OpenAsync(default);
        await using var command = connection.CreateCommand();
        var sql = SqliteEventFilter.Build(query, command, alertsOnly: true, fromMs: 0, toMs: 3_600_000, searchOnlyWhenNarrowing: true);
        command.CommandText = $"EXPLAIN QUERY PLAN SELECT e.time FROM {sql.From} WHERE {sql.Where}";
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        var text = string.Join(" | ", plan);

        if (query.Text is null) Assert.Equal("SEARCH e USING INDEX events_key (key>? AND key<?)", text);
        else Assert.StartsWith("SCAN events_fts VIRTUAL TABLE INDEX", plan[0]);
    }
}
