using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Events;

/// <summary>
/// The history's writer behind the drain, on a real SQLite history file: what it is given is stored and announced, its
/// barrier passes a mark only once everything before it is stored, a failing store holds the barrier until it recovers,
/// an event the store refuses alone is left out while the others are stored, and disposing writes what is queued.
/// </summary>
public sealed class EventHistoryWriterTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteEventStore _sqlite;
    private readonly FailingStore _store;
    private readonly EventFeed _feed = new();
    private readonly EventHistoryWriter _writer;

    public EventHistoryWriterTests()
    {
        var database = new SqliteEventDatabase(Options.Create(new EventsOptions { File = _dir.File("events.db") }), Options.Create(new StorageOptions()));
        _sqlite = new SqliteEventStore(database);
        _store = new FailingStore(_sqlite);
        _writer = new EventHistoryWriter(_store, _feed, TimeProvider.System, NullLogger<EventHistoryWriter>.Instance);
    }

    [Fact]
    public async Task Queued_events_are_stored_and_announced_and_the_barrier_passes_the_mark_taken_after_them()
    {
        using var listening = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var heard = new List<StoredEvent>();
        var listener = Task.Run(async () =>
        {
            await foreach (var stored in _feed.ListenAsync(listening.Token))
            {
                heard.Add(stored);
                if (heard.Count == KnownEvents.Alerts) return;
            }
        });
        await Eventually.TrueAsync(() => _feed.Listeners == 1, "listening");
        var records = KnownEvents.Records().Where(r => r.Kind == EventKind.Alert).ToList();

        await _writer.QueueAsync(records.Take(10).ToList(), CancellationToken.None);
        var first = _writer.Mark();
        await _writer.QueueAsync(records.Skip(10).ToList(), CancellationToken.None);
        var second = _writer.Mark();
        Assert.Equal(10, first);
        Assert.Equal(records.Count, second);
        Assert.False(_writer.Passed(first)); // not started: nothing is written yet

        await _writer.StartAsync(CancellationToken.None);
        await _writer.WaitAsync(second, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(_writer.Passed(first));
        Assert.Equal(records.Count, await _sqlite.CountAsync(CancellationToken.None));
        await listener.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(records.Select(r => r.InboxId).Order(), heard.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task While_the_store_fails_the_barrier_holds_and_once_it_recovers_every_event_is_stored()
    {
        await _writer.StartAsync(CancellationToken.None);
        var records = KnownEvents.Records().Where(r => r.Kind == EventKind.Alert).ToList();
        _store.Failing = true;
        await _writer.QueueAsync(records, CancellationToken.None);
        var mark = _writer.Mark();
        // Whole, then one at a time: every attempt fails, so nothing is given up and the barrier stays.
        await Eventually.TrueAsync(() => _store.Attempts > EventHistoryWriter.WholeAttempts + records.Count, "single attempts made");
        Assert.False(_writer.Passed(mark));
        Assert.Equal(0, await _sqlite.CountAsync(CancellationToken.None));

        _store.Failing = false;
        await _writer.WaitAsync(mark, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(records.Count, await _sqlite.CountAsync(CancellationToken.None));
        Assert.Equal(0, _writer.Refused);
    }

    [Fact]
    public async Task An_event_the_store_refuses_alone_is_left_out_while_the_others_are_stored()
    {
        await _writer.StartAsync(CancellationToken.None);
        var records = KnownEvents.Records().Where(r => r.Kind == EventKind.Alert).ToList();
        var bad = records[3].InboxId;
        _store.Refuse = bad;
        await _writer.QueueAsync(records, CancellationToken.None);
        await _writer.WaitAsync(_writer.Mark(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, _writer.Refused);
        Assert.Equal(records.Count - 1, await _sqlite.CountAsync(CancellationToken.None));
        Assert.Null(await _sqlite.GetAsync(bad, CancellationToken.None));
        Assert.NotNull(await _sqlite.GetAsync(records[4].InboxId, CancellationToken.None));
    }

    [Fact]
    public async Task Disposing_writes_what_is_queued()
    {
        _store.Delay = TimeSpan.FromMilliseconds(200);
        await _writer.StartAsync(CancellationToken.None);
        var records = KnownEvents.Records().Where(r => r.Kind == EventKind.Alert).ToList();
        foreach (var record in records) await _writer.QueueAsync([record], CancellationToken.None);
        await _writer.StopAsync(CancellationToken.None);
        await _writer.DisposeAsync();
        Assert.Equal(records.Count, await _sqlite.CountAsync(CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    /// <summary>The SQLite history, failing every write while <see cref="Failing"/>, and any write holding <see cref="Refuse"/>.</summary>
    private sealed class FailingStore(IEventStore inner) : IEventStore
    {
        private int _attempts;

        public volatile bool Failing;
        public long Refuse { get; set; } = -1;
        public TimeSpan Delay { get; set; }
        public int Attempts => Volatile.Read(ref _attempts);

        public async Task<IReadOnlyList<StoredEvent>> RecordAsync(IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
            if (Failing) throw new IOException("disk I/O error (test)");
            if (records.Any(r => r.InboxId == Refuse)) throw new InvalidOperationException($"refused {Refuse} (test)");
            return await inner.RecordAsync(records, now, cancellationToken);
        }

        public Task<EventPage> QueryAsync(EventQuery query, string? cursor, int limit, CancellationToken cancellationToken) =>
            inner.QueryAsync(query, cursor, limit, cancellationToken);
        public Task<(EventDetail Detail, IReadOnlyList<EventDeliveryRef> Deliveries)?> GetAsync(long id, CancellationToken cancellationToken) =>
            inner.GetAsync(id, cancellationToken);
        public Task<EventStats> StatsAsync(EventQuery query, TimeSpan? bucket, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.StatsAsync(query, bucket, now, cancellationToken);
        public Task<long> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);
        public Task<int> DeleteOldestAsync(DateTimeOffset recordedBefore, long excess, int max, CancellationToken cancellationToken) =>
            inner.DeleteOldestAsync(recordedBefore, excess, max, cancellationToken);
    }
}
