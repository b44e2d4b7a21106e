using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events.Spool;

/// <summary>
/// The history writer process (<c>FalcoHook.Api history-writer &lt;spool folder&gt; &lt;history file&gt;</c>, started by
/// <see cref="SpooledHistory"/>): reads the spool's records in order and stores them with an
/// <see cref="EventHistoryWriter"/> over the SQLite history, as the service would in-process (the same batching, retries
/// and refusals). It talks to the service in lines:
/// <list type="bullet">
/// <item>in: <c>A &lt;n&gt;</c>, the spool holds records up to sequence n on disk; <c>L 1</c> or <c>L 0</c>, whether the
/// service's live feed has listeners now (none at first); the end of input means stop;</item>
/// <item>out: <c>E &lt;JSON array&gt;</c>, the events of one transaction as stored (while the feed has listeners), and
/// <c>D &lt;n&gt;</c>, every record up to n is stored (or refused), so the service may delete their segments.</item>
/// </list>
/// On stopping it writes what it has queued (for up to 10 s, <see cref="EventHistoryWriter"/>); whatever it leaves is in
/// the spool still and read again by the next writer process, which stores it again (the store keeps an event's last report).
/// </summary>
public static partial class HistoryWriterProcess
{
    public const string Command = "history-writer";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string spoolDirectory, string historyFile, TextReader input, TextWriter output,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(HistoryWriterProcess));
        var database = new SqliteEventDatabase(Options.Create(new EventsOptions { File = historyFile }), Options.Create(new StorageOptions()));
        var store = new SqliteEventStore(database);
        var lines = new Lock();
        void Say(string line)
        {
            lock (lines)
            {
                output.Write(line);
                output.Write('\n');
                output.Flush();
            }
        }
        var listening = false;
        var feed = new EventFeed(events =>
        {
            if (Volatile.Read(ref listening)) Say("E " + JsonSerializer.Serialize(events, Json));
        });
        var writer = new EventHistoryWriter(store, feed, TimeProvider.System, loggers.CreateLogger<EventHistoryWriter>());
        await writer.StartAsync(CancellationToken.None).ConfigureAwait(false);

        var announced = new Announced();
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await input.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("A ", StringComparison.Ordinal) &&
                        long.TryParse(line.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                        announced.Raise(sequence);
                    else if (line is "L 1" or "L 0") Volatile.Write(ref listening, line == "L 1");
                }
            }
            finally
            {
                announced.End();
            }
        });

        var marks = Channel.CreateUnbounded<(long Mark, long Sequence)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = new CancellationTokenSource();
        var reporting = Task.Run(async () =>
        {
            await foreach (var (mark, sequence) in marks.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await writer.WaitAsync(mark, stop.Token).ConfigureAwait(false);
                Say("D " + sequence.ToString(CultureInfo.InvariantCulture));
            }
        });

        using var reader = new SpoolReader(spoolDirectory);
        // Records read but not stored are held in memory: read a batch only once the one before the last is stored.
        var behind = 0L;
        while (await announced.WaitBeyondAsync(reader.Next - 1).ConfigureAwait(false) is { } through)
        {
            await writer.WaitAsync(behind, CancellationToken.None).ConfigureAwait(false);
            var batch = new List<EventRecord>(EventHistoryWriter.MaxBatch);
            long? last = null;
            while (batch.Count < EventHistoryWriter.MaxBatch && reader.Next <= through && reader.TryRead(out var sequence, out var bytes))
            {
                last = sequence;
                try
                {
                    batch.Add(SpoolRecord.Read(bytes));
                }
                catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Log.Unreadable(logger, sequence, e);
                }
            }
            if (last is null)
            {
                // Announced, but the segment that should hold it is missing: wait for the next announcement.
                Log.Missing(logger, through, reader.Next);
                await announced.WaitBeyondAsync(through).ConfigureAwait(false);
                continue;
            }
            behind = writer.Mark();
            await writer.QueueAsync(batch, CancellationToken.None).ConfigureAwait(false);
            marks.Writer.TryWrite((writer.Mark(), last.Value));
        }

        // The service closed our input: it stops. Store what is queued, report it, and exit.
        marks.Writer.TryComplete();
        await writer.DisposeAsync().ConfigureAwait(false);
        stop.CancelAfter(TimeSpan.FromSeconds(1));
        await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 0;
    }

    /// <summary>The highest sequence the service has announced, and whether it has closed our input.</summary>
    private sealed class Announced
    {
        private readonly Lock _gate = new();
        private long _through;
        private bool _ended;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Raise(long through) => Change(() => _through = Math.Max(_through, through));

        public void End() => Change(() => _ended = true);

        /// <summary>The announced sequence once it is beyond <paramref name="sequence"/>; null once input has ended.</summary>
        public async Task<long?> WaitBeyondAsync(long sequence)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_ended) return null;
                    if (_through > sequence) return _through;
                    changed = _changed.Task;
                }
                await changed.ConfigureAwait(false);
            }
        }

        private void Change(Action change)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                change();
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1920, Level = LogLevel.Error, Message = "Spool record {Sequence} cannot be read; it is left out of the history")]
        public static partial void Unreadable(ILogger logger, long sequence, Exception error);

        [LoggerMessage(EventId = 1921, Level = LogLevel.Error,
            Message = "The spool announces records up to {Through} but holds none from {Next}; waiting for the next announcement")]
        public static partial void Missing(ILogger logger, long through, long next);
    }
}
