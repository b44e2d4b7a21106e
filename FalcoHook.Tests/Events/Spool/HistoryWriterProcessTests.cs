using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Spool;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Events.Spool;

/// <summary>
/// The SQLite history written by a process of its own, as the service runs it by default: a real child process at
/// SCHED_IDLE stores what the service spools and reports it back for the live feed; one killed is started again and
/// loses nothing; records spooled before a crash are stored at the next start; and with the process off the service
/// writes the history itself.
/// </summary>
public sealed class HistoryWriterProcessTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_history_is_written_by_a_child_process_whose_every_thread_runs_at_idle_priority_and_is_heard_live()
    {
        await using var factory = new FalcoHookFactory();
        using var client = factory.Client(key: null);
        var feed = factory.Services.GetRequiredService<EventFeed>();
        using var listening = new CancellationTokenSource(Eventually.DefaultTimeout);
        var heard = new List<long>();
        var listener = Task.Run(async () =>
        {
            await foreach (var stored in feed.ListenAsync(listening.Token))
            {
                heard.Add(stored.Id);
                if (heard.Count == 3) return;
            }
        });
        await Eventually.TrueAsync(() => feed.Listeners == 1, "listening");

        for (var n = 0; n < 3; n++) await PostAsync(client, n);
        await Eventually.TrueAsync(() => factory.Recorder.Total >= 3, "3 alerts handled");
        await HistoryCaughtUp.WaitAsync(factory.Services);

        var store = factory.Services.GetRequiredService<IEventStore>();
        Assert.Equal(3, await store.CountAsync(CancellationToken.None));
        await listener.WaitAsync(Eventually.DefaultTimeout);
        Assert.Equal([1, 2, 3], heard.Order());

        // Caught up: nothing spooled is waiting for the writer process.
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^falcohook_events_behind(\{[^}]*\})? 0$", metrics);

        var spooled = factory.Services.GetRequiredService<SpooledHistory>();
        var pid = spooled.ProcessId ?? throw new InvalidOperationException("no history writer process runs");
        Assert.NotEqual(Environment.ProcessId, pid);
        var policies = Directory.EnumerateDirectories($"/proc/{pid}/task").Select(Policy).ToList();
        Assert.NotEmpty(policies);
        Assert.All(policies, policy => Assert.Equal(5, policy)); // SCHED_IDLE
    }

    [Fact]
    public async Task A_killed_writer_process_is_started_again_and_every_posted_alert_is_stored()
    {
        await using var factory = new FalcoHookFactory();
        using var client = factory.Client(key: null);
        var spooled = factory.Services.GetRequiredService<SpooledHistory>();
        for (var n = 0; n < 20; n++) await PostAsync(client, n);
        await Eventually.TrueAsync(() => spooled.ProcessId is not null, "the writer process runs");
        var first = spooled.ProcessId!.Value;
        using (var process = Process.GetProcessById(first)) process.Kill();
        for (var n = 20; n < 40; n++) await PostAsync(client, n);

        await Eventually.TrueAsync(() => factory.Recorder.Total >= 40, "40 alerts handled");
        await HistoryCaughtUp.WaitAsync(factory.Services);
        Assert.NotEqual(first, spooled.ProcessId);
        var store = factory.Services.GetRequiredService<IEventStore>();
        var kept = await store.QueryAsync(new EventQuery(), null, 100, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), kept.Items.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task Records_spooled_before_a_crash_are_stored_at_the_next_start_and_their_segments_deleted()
    {
        var records = KnownEvents.Records();
        await using var factory = new FalcoHookFactory();
        var folder = Path.Combine(factory.DataDirectory, "events-spool");
        using (var spool = new HistorySpool(folder)) spool.Append(records);

        var store = factory.Services.GetRequiredService<IEventStore>();
        var spooled = factory.Services.GetRequiredService<SpooledHistory>();
        await Eventually.TrueAsync(() => spooled.Stored >= records.Count, "the spooled records stored");
        Assert.Equal(records.Count, await store.CountAsync(CancellationToken.None));
        var summaries = await store.QueryAsync(new EventQuery { Kind = EventKind.Summary }, null, 10, CancellationToken.None);
        Assert.Single(summaries.Items);
        await Eventually.TrueAsync(() => HistorySpool.Segments(folder).Count == 0, "the stored segment deleted");
    }

    [Fact]
    public async Task With_the_writer_process_off_the_service_writes_the_history_itself()
    {
        await using var factory = new FalcoHookFactory().With("FalcoHook:Events:WriterProcess", "false");
        using var client = factory.Client(key: null);
        for (var n = 0; n < 3; n++) await PostAsync(client, n);
        await Eventually.TrueAsync(() => factory.Recorder.Total >= 3, "3 alerts handled");
        await HistoryCaughtUp.WaitAsync(factory.Services);

        Assert.Null(factory.Services.GetService<SpooledHistory>());
        Assert.Equal(3, await factory.Services.GetRequiredService<IEventStore>().CountAsync(CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "events-spool")));
    }

    private static async Task PostAsync(HttpClient client, int n)
    {
        var alert = JsonSerializer.Serialize(new
        {
            output = $"shell {n}", priority = "Warning", rule = "Terminal shell in container", source = "syscall", hostname = "node-a",
            time = T0.AddSeconds(n).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff00Z"),
            output_fields = new Dictionary<string, object> { ["proc.pid"] = n },
        });
        using var response = await client.PostAsync("/", new StringContent(alert, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The scheduling policy of a thread: field 41 of its stat line, counted after the parenthesised name.</summary>
    private static int Policy(string task)
    {
        var stat = File.ReadAllText(Path.Combine(task, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
