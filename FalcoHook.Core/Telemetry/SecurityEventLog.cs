using System.Diagnostics.Metrics;
using System.Threading.Channels;
using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// The security event log: every alert that enters the pipeline as one structured record in the log category
/// <see cref="Category"/>, whatever the pipeline later drops, silences or fails to deliver. A log pipeline
/// (console JSON → Loki, Elasticsearch, a SIEM) thus keeps every alert even when every destination is down.
/// Priority Warning and above (Warning, Error, Critical, Alert, Emergency) log at <see cref="LogLevel.Warning"/>,
/// the rest at <see cref="LogLevel.Information"/>; a record is written when logging enables that level for
/// <see cref="Category"/> (<c>Logging:LogLevel:FalcoHook.SecurityEvents</c>). Properties: Rule, Priority, Source,
/// Hostname and Alert (the alert as Falco's JSON, <see cref="FalcoAlert.ToJson"/>). Where the records go is the
/// <see cref="ISecurityEventOutput"/>: JSON lines on standard output by default, or <c>ILogger</c> records
/// (<see cref="SecurityEventLogOptions"/>). Management actions are logged in the same category through
/// <c>ILogger</c> (<see cref="ManagementAction"/>).
/// <para>
/// <see cref="Write"/> never blocks its caller (the inbox's drain): it queues the alert for a writer of its own, which
/// hands the output the records in batches in the background. The queue holds <see cref="Capacity"/> alerts; an
/// alert that finds it full (the output slower than ingest for long) is not logged, is counted in
/// <c>falcohook.security_events.dropped</c> and <see cref="Dropped"/>, and the first such drop is logged once as a
/// warning in the same category. Disposing flushes what is queued.
/// </para>
/// </summary>
public sealed partial class SecurityEventLog : IDisposable
{
    /// <summary>The log category; filter or route on it (<c>Logging:LogLevel:FalcoHook.SecurityEvents</c>).</summary>
    public const string Category = "FalcoHook.SecurityEvents";

    /// <summary>The event id of every record (name <c>SecurityEvent</c>).</summary>
    public const int EventId = 8000;

    /// <summary>Alerts the queue holds before it drops.</summary>
    public const int Capacity = 8192;

    /// <summary>Records handed to the output at once, at most.</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// After writing what was queued, the writer waits this long before it looks again, so that under load it wakes once
    /// per batch of records rather than once per alert.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    /// <summary>How long disposing waits for the queue to be written.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly ISecurityEventOutput _output;
    private readonly TimeProvider _time;
    private readonly Channel<SecurityEvent> _queue = Channel.CreateBounded<SecurityEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Counter<long>? _droppedCounter;
    private readonly Task _writer;
    private long _dropped;

    /// <param name="loggerFactory">Decides the levels written (<see cref="Category"/>'s filter) and logs the drop warning.</param>
    /// <param name="output">Where the writer puts the records.</param>
    /// <param name="time">Each record's timestamp: when its alert was queued.</param>
    /// <param name="telemetry">Where <c>falcohook.security_events.dropped</c> is counted, when given.</param>
    public SecurityEventLog(ILoggerFactory loggerFactory, ISecurityEventOutput output, TimeProvider time, FalcoHookTelemetry? telemetry = null)
    {
        _logger = loggerFactory.CreateLogger(Category);
        _output = output;
        _time = time;
        _droppedCounter = telemetry?.Meter.CreateCounter<long>("falcohook.security_events.dropped", "{alert}",
            "Alerts not written to the security event log because its queue was full.");
        _writer = Task.Run(WriteQueuedAsync);
    }

    /// <summary>Alerts not logged because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public static LogLevel LevelOf(Priority priority) =>
        priority >= Priority.Warning ? LogLevel.Warning : LogLevel.Information;

    /// <summary>Queues the alert's record; returns at once (a full queue drops it, counted).</summary>
    public void Write(FalcoAlert alert)
    {
        var level = LevelOf(alert.Priority);
        if (!_logger.IsEnabled(level)) return;
        if (_queue.Writer.TryWrite(new SecurityEvent(alert, level, _time.GetUtcNow()))) return;
        if (Interlocked.Increment(ref _dropped) == 1) LogDropping(_logger, Capacity);
        _droppedCounter?.Add(1);
    }

    private async Task WriteQueuedAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<SecurityEvent>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var record)) batch.Add(record);
            try
            {
                _output.Write(batch);
            }
            catch (Exception)
            {
                // A failing output must not stop the writer; what it did not write is lost, as in a failing log provider.
            }
            var full = batch.Count == MaxBatch;
            batch.Clear();
            if (full) continue; // more may be waiting now
            // Pacing only (the system clock, not the service's TimeProvider, which tests may hold still).
            if (!reader.Completion.IsCompleted) await Task.Delay(Linger, TimeProvider.System).ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is queued (waiting at most a few seconds) and stops the writer.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait(FlushTimeout);
    }

    [LoggerMessage(EventId = 8002, EventName = "SecurityEventsDropped", Level = LogLevel.Warning,
        Message = "The security event log's queue ({Capacity} alerts) is full: alerts are being dropped from this log (they are still processed and delivered); falcohook.security_events.dropped counts them")]
    private static partial void LogDropping(ILogger logger, int capacity);

    /// <summary>The event id of a management action's record (name <c>ManagementAction</c>).</summary>
    public const int ManagementActionEventId = 8001;

    /// <summary>
    /// One management action (a rule, macro or list change, an import, a silence created or expired, a delivery or
    /// dead alert retried): who (the API key's name, or <c>anonymous</c>), from where, what (method, path, route) and
    /// how it ended (the answer's status), at Information in <see cref="Category"/>.
    /// </summary>
    [LoggerMessage(EventId = ManagementActionEventId, EventName = "ManagementAction", Level = LogLevel.Information,
        Message = "Management action {Method} {Path} by {Actor} from {ClientAddress}: {Status} (route {Route})")]
    public static partial void ManagementAction(ILogger logger, string method, string path, string actor, string clientAddress,
        int status, string route);
}
