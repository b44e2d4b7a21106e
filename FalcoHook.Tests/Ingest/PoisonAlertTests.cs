using System.Diagnostics.Metrics;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Ingest;

/// <summary>
/// One alert the pipeline cannot take must not hold up every alert behind it, nor be lost: after
/// MaxHandleAttempts failures, once a later alert went through, its row goes to inbox_dead (with the error, logged
/// with the alert, counted). A pipeline that fails everything (an outage) sends nothing there.
/// </summary>
public sealed class PoisonAlertTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LogCapture _logs = new();
    private readonly SqliteDatabase _db;
    private readonly SqliteInboxStore _store;
    private readonly DurableAlertInbox _inbox;
    private readonly MetricRecorder _metrics;
    private readonly ILoggerFactory _loggers;
    private readonly InboxMetrics _inboxMetrics;

    private static readonly IngestOptions Settings = new()
    {
        FailureBackoff = TimeSpan.FromMilliseconds(1),
        MaxHandleAttempts = 3,
        PollInterval = TimeSpan.FromMilliseconds(50),
    };

    public PoisonAlertTests()
    {
        _db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("falcohook.db")}" }));
        _store = new SqliteInboxStore(_db);
        var meters = _services.GetRequiredService<IMeterFactory>();
        _metrics = new MetricRecorder(meters);
        _inboxMetrics = new InboxMetrics(meters);
        _loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        _inbox = new DurableAlertInbox(_store, Options.Create(Settings), TimeProvider.System,
            _loggers.CreateLogger<DurableAlertInbox>(), _inboxMetrics);
        _inbox.StartAsync(CancellationToken.None).GetAwaiter().GetResult(); // counts an empty file
    }

    private InboxDrainService Drain(IAlertBatchHandler handler) =>
        new(_inbox, _store, handler, Options.Create(Settings), TimeProvider.System,
            _loggers.CreateLogger<InboxDrainService>(), _inboxMetrics);

    private static FalcoAlert Alert(string rule) => new() { Rule = rule, Priority = Priority.Warning, Time = new FalcoTime(1764237600000000000L), Output = rule + " output" };

    /// <summary>
    /// Rows appended before the drain starts are read from the store; appended once it idles, they are taken from
    /// memory (as the inbox writer committed them) until a batch fails. Either way the same poison handling.
    /// </summary>
    private async Task AppendAsync(InboxDrainService drain, bool drainFirst, IReadOnlyList<FalcoAlert> alerts)
    {
        if (drainFirst)
        {
            await drain.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => drain.TakingFromMemory, "the drain found the store empty and takes committed rows from memory");
            await _inbox.AppendAsync(alerts, CancellationToken.None);
        }
        else
        {
            await _inbox.AppendAsync(alerts, CancellationToken.None);
            await drain.StartAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_poisonous_alert_goes_to_inbox_dead_and_the_alerts_behind_it_go_on(bool drainFirst)
    {
        var handler = new Handler(alert => alert.Rule == "poison");
        using var drain = Drain(handler);
        await AppendAsync(drain, drainFirst, [Alert("a1"), Alert("a2"), Alert("poison"), Alert("a3"), Alert("a4")]);

        await Eventually.TrueAsync(() => handler.Handled.Count == 4, "the four good alerts handled");
        var dead = await WaitForDeadAsync(1);
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(["a1", "a2", "a3", "a4"], handler.Handled.Select(a => a.Rule));
        var poison = Assert.Single(dead);
        Assert.Contains("\"rule\":\"poison\"", poison.Json);
        Assert.Contains("InvalidOperationException: cannot handle poison", poison.Error);
        // Alone: the limit, then one last try after a3 went through; before that, once in the batch that failed.
        Assert.Equal(Settings.MaxHandleAttempts + 1, poison.Attempts);
        Assert.Equal(Settings.MaxHandleAttempts + 2, handler.Attempts("poison"));
        Assert.Equal(0, await _store.CountAsync(CancellationToken.None));
        Assert.Equal(0, _inbox.Pending);
        Assert.Equal(1, _metrics.Sum("falcohook.inbox.dead", ("reason", "failing")));
        var log = Assert.Single(_logs.Records, r => r.EventId.Id == 1105);
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Contains("\"rule\":\"poison\"", log.Message);
    }

    [Fact]
    public async Task An_unreadable_row_goes_to_inbox_dead_instead_of_being_deleted()
    {
        var handler = new Handler(_ => false);
        await _inbox.AppendAsync([Alert("before")], CancellationToken.None);
        await using (var connection = new SqliteConnection($"Data Source={_db.DataSource};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO inbox (received, alert) VALUES (0, '{\"rule\": 42, broken');";
            await insert.ExecuteNonQueryAsync();
        }
        await _inbox.AppendAsync([Alert("after")], CancellationToken.None);
        using var drain = Drain(handler);
        await drain.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => handler.Handled.Count == 2, "the readable alerts handled");
        var dead = await WaitForDeadAsync(1);
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(["before", "after"], handler.Handled.Select(a => a.Rule));
        var row = Assert.Single(dead);
        Assert.Equal("{\"rule\": 42, broken", row.Json);
        Assert.StartsWith("unreadable: ", row.Error);
        Assert.Equal(1, _metrics.Sum("falcohook.inbox.dead", ("reason", "unreadable")));
        Assert.Equal(0, await _store.CountAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pipeline_that_fails_every_alert_for_a_while_sends_nothing_to_inbox_dead(bool drainFirst)
    {
        var outage = 15; // calls that fail, whatever the alert: several times MaxHandleAttempts, probes included
        var handler = new Handler(_ => Interlocked.Decrement(ref outage) >= 0);
        using var drain = Drain(handler);
        await AppendAsync(drain, drainFirst, [Alert("b1"), Alert("b2"), Alert("b3")]);

        await Eventually.TrueAsync(() => handler.Handled.Count == 3, "every alert handled once the pipeline works again");
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(["b1", "b2", "b3"], handler.Handled.Select(a => a.Rule));
        Assert.True(handler.Calls > 15);
        Assert.Empty(await _store.ListDeadAsync(10, CancellationToken.None));
        Assert.Equal(0, _metrics.Sum("falcohook.inbox.dead"));
    }

    private async Task<IReadOnlyList<DeadInboxEntry>> WaitForDeadAsync(int count)
    {
        IReadOnlyList<DeadInboxEntry> dead = [];
        await Eventually.TrueAsync(async () => (dead = await _store.ListDeadAsync(10, CancellationToken.None)).Count >= count, $"{count} dead inbox rows");
        return dead;
    }

    public async ValueTask DisposeAsync()
    {
        await _inbox.DisposeAsync();
        _metrics.Dispose();
        _loggers.Dispose();
        await _services.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>A pipeline stand-in that fails the alerts <paramref name="fails"/> picks and records the others.</summary>
    private sealed class Handler(Func<FalcoAlert, bool> fails) : IAlertBatchHandler
    {
        private readonly List<FalcoAlert> _handled = [];
        private readonly Dictionary<string, int> _attempts = new();
        private int _calls;

        public IReadOnlyList<FalcoAlert> Handled
        {
            get { lock (_handled) return [.. _handled]; }
        }

        public int Calls => Volatile.Read(ref _calls);

        public int Attempts(string rule)
        {
            lock (_handled) return _attempts.GetValueOrDefault(rule);
        }

        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            lock (_handled)
            {
                var alerts = batch.Select(item => item.Alert).ToList();
                foreach (var alert in alerts) _attempts[alert.Rule] = _attempts.GetValueOrDefault(alert.Rule) + 1;
                if (alerts.FirstOrDefault(fails) is { } bad) throw new InvalidOperationException($"cannot handle {bad.Rule}");
                _handled.AddRange(alerts);
            }
            return Task.CompletedTask;
        }
    }
}
