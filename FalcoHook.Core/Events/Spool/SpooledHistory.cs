using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Events.Spool;

/// <summary>
/// The service's side of a SQLite history written by a process of its own (<see cref="EventsOptions.WriterProcess"/>):
/// the <see cref="EventHistoryWriter"/>'s sink. Each batch is appended to the <see cref="HistorySpool"/> and flushed to
/// disk, which is when the drain may delete its inbox rows: the spool holds the events from then on. The batch is then
/// announced to the <see cref="HistoryWriterProcess"/>, which stores it at the lowest CPU priority, so the history's
/// writes take only CPU that ingest leaves idle; under a load that leaves none, the history falls behind and catches up
/// after. Stored events come back from it for the live <see cref="EventFeed"/>, and the segments it has stored are deleted.
/// <para>
/// The process is started at the first batch (or at start-up when the spool holds records from before), and started again
/// when it exits (after a pause growing to <see cref="MaxBackoff"/>); a new one reads the kept segments from the oldest
/// and stores them again, which changes nothing already stored. When the spool holds more than
/// <see cref="EventsOptions.MaxSpoolBytes"/>, batches wait for the writer, and with them the drain (the history is never
/// skipped). The process sends the stored events back only while the feed has listeners (it is told with each batch).
/// </para>
/// </summary>
public sealed partial class SpooledHistory(
    HistorySpool spool,
    long maxSpoolBytes,
    Func<ProcessStartInfo> command,
    EventFeed feed,
    TimeProvider time,
    ILogger<SpooledHistory> logger,
    IMeterFactory? meters = null) : IEventRecordSink, IHostedService, IAsyncDisposable
{
    private ObservableUpDownCounter<long>? _behind;


    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Appends (each flushed to disk) at most this often; what queues meanwhile goes in the next. Each flush is a disk
    /// flush beside the inbox's own, whose commits wait behind it: under load, fewer and larger ones.
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(20);

    private long _flushedAt;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly Lock _inputGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _supervising;
    private Process? _process;
    private StreamWriter? _input;
    private bool _listening;
    private Task _output = Task.CompletedTask;
    private long _stored;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>The last spool record the writer process has reported stored (since start).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>The last record appended to the spool.</summary>
    public long Spooled => spool.Last;

    /// <summary>The writer process's id while one runs (for tests and diagnostics).</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate) return _process is { HasExited: false } p ? p.Id : null;
        }
    }

    public async Task<IReadOnlyList<StoredEvent>> RecordAsync(IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return [];
        await WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        var wait = FlushInterval - time.GetElapsedTime(_flushedAt);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        _flushedAt = time.GetTimestamp();
        var last = spool.Append(records);
        EnsureStarted();
        Announce(last);
        return [];
    }

    /// <summary>Publishes <c>falcohook.events.behind</c>; starts the writer process when the spool holds records from before.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _behind ??= meters?.Create(FalcoHookTelemetry.Name).CreateObservableUpDownCounter("falcohook.events.behind",
            () => spool.Last - Stored, "{event}", "Events spooled for the history writer process and not stored by it yet");
        if (spool.Last > 0) EnsureStarted();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After the <see cref="EventHistoryWriter"/> (which spools what it has queued first): closes the process's input, so
    /// it stores what it has and exits (killed after <see cref="StopTimeout"/>); the segments it has not stored stay for
    /// the next start.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_supervising is not null) await _supervising.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Process? process;
        lock (_gate) process = _process;
        if (process is not null)
        {
            lock (_inputGate)
            {
                try
                {
                    _input?.Close();
                }
                catch (IOException)
                {
                    // exited already
                }
                _input = null;
            }
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogKilled(logger, StopTimeout, spool.Last - Stored);
                process.Kill(entireProcessTree: true);
            }
            await _output.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            process.Dispose();
        }
        spool.Close(Stored);
        spool.Dispose();
        _stopping.Dispose();
    }

    private void EnsureStarted()
    {
        lock (_gate) _supervising ??= Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
    }

    private void Announce(long through)
    {
        lock (_inputGate)
        {
            if (_input is null) return; // none runs: the next one is told what the spool holds when it starts
            try
            {
                var listening = feed.Listeners > 0;
                if (listening != _listening)
                {
                    _input.Write(listening ? "L 1\n" : "L 0\n");
                    _listening = listening;
                }
                _input.Write("A " + through.ToString(CultureInfo.InvariantCulture) + "\n");
                _input.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // it exited: the supervisor starts another
            }
        }
    }

    private async Task SuperviseAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            Process process;
            try
            {
                var info = command();
                info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
                info.UseShellExecute = false;
                process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                LogStartFailed(logger, Backoff(failures), e);
                if (!await PauseAsync(failures, stoppingToken).ConfigureAwait(false)) return;
                continue;
            }
            var errors = ForwardErrorsAsync(process);
            lock (_gate)
            {
                _process = process;
                _output = ReadOutputAsync(process);
            }
            lock (_inputGate)
            {
                _input = process.StandardInput;
                _listening = false; // what a new process assumes
            }
            Announce(spool.Last);
            try
            {
                await process.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // DisposeAsync stops the process
            }
            lock (_inputGate) _input = null;
            await _output.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await errors.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            failures = time.GetElapsedTime(started) > TimeSpan.FromMinutes(1) ? 1 : failures + 1;
            LogExited(logger, process.ExitCode, spool.Last - Stored, Backoff(failures));
            lock (_gate) _process = null;
            process.Dispose();
            if (!await PauseAsync(failures, stoppingToken).ConfigureAwait(false)) return;
        }
    }

    private async Task ReadOutputAsync(Process process)
    {
        var output = process.StandardOutput;
        while (await output.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("D ", StringComparison.Ordinal) &&
                long.TryParse(line.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var through))
            {
                if (through <= Stored) continue;
                Interlocked.Exchange(ref _stored, through);
                spool.DeleteThrough(through);
                TaskCompletionSource progress;
                lock (_gate)
                {
                    progress = _progress;
                    _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                progress.TrySetResult();
            }
            else if (line.StartsWith("E ", StringComparison.Ordinal) && feed.Listeners > 0)
            {
                try
                {
                    if (JsonSerializer.Deserialize<List<StoredEvent>>(line.AsSpan(2), HistoryWriterProcess.Json) is { } events) feed.Publish(events);
                }
                catch (JsonException e)
                {
                    LogBadLine(logger, e);
                }
            }
        }
    }

    private async Task ForwardErrorsAsync(Process process)
    {
        while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            if (!string.IsNullOrWhiteSpace(line)) LogWriterSaid(logger, line);
    }

    /// <summary>Waits while the spool holds more than its limit.</summary>
    private async Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        var warned = false;
        while (spool.KeptBytes > maxSpoolBytes)
        {
            if (!warned) LogFull(logger, spool.KeptBytes, spool.Last - Stored);
            warned = true;
            Task progress;
            lock (_gate) progress = _progress.Task;
            await progress.WaitAsync(TimeSpan.FromSeconds(1), time, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<bool> PauseAsync(int failures, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Backoff(failures), time, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(500).Ticks << Math.Min(Math.Max(failures - 1, 0), 10), MaxBackoff.Ticks));

    [LoggerMessage(EventId = 1925, Level = LogLevel.Error, Message = "The history writer process did not start; trying again in {Pause}")]
    private static partial void LogStartFailed(ILogger logger, TimeSpan pause, Exception error);

    [LoggerMessage(EventId = 1926, Level = LogLevel.Warning,
        Message = "The history writer process exited with code {ExitCode}, {Behind} spooled events not stored yet; starting another in {Pause}")]
    private static partial void LogExited(ILogger logger, int exitCode, long behind, TimeSpan pause);

    [LoggerMessage(EventId = 1927, Level = LogLevel.Warning, Message = "History writer: {Line}")]
    private static partial void LogWriterSaid(ILogger logger, string line);

    [LoggerMessage(EventId = 1928, Level = LogLevel.Warning,
        Message = "The history spool holds {Bytes} bytes ({Behind} events not stored yet); the drain waits for the history writer")]
    private static partial void LogFull(ILogger logger, long bytes, long behind);

    [LoggerMessage(EventId = 1929, Level = LogLevel.Warning,
        Message = "The history writer process had not stopped after {Timeout} and was killed; {Behind} spooled events are stored at the next start")]
    private static partial void LogKilled(ILogger logger, TimeSpan timeout, long behind);

    [LoggerMessage(EventId = 1930, Level = LogLevel.Warning, Message = "The history writer process wrote a line that is not events")]
    private static partial void LogBadLine(ILogger logger, Exception error);
}
