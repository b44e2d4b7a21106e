namespace FalcoHook.Core.Ingest;

/// <summary>The durable inbox's keys of <c>FalcoHook:Ingest</c>.</summary>
public sealed class InboxOptions
{
    public const string Section = "FalcoHook:Ingest";

    /// <summary>Alerts accepted but not yet processed (stored or waiting to be) before AppendAsync answers Full.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long AppendAsync waits for room before answering Full.</summary>
    public TimeSpan QueueFullWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Alerts given to the pipeline at once.</summary>
    public int DrainBatchSize { get; set; } = 256;

    /// <summary>
    /// How long the drain waits after a round that caught up before the next one. Its writes (pipeline state, outbox,
    /// inbox delete) then share the SQLite write turn with fewer, larger rounds, and the inbox's group commits, which
    /// requests wait for, queue behind them less often. Alerts reach the pipeline up to this much later. Zero: at once.
    /// </summary>
    public TimeSpan DrainLinger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Alerts written in one group commit at most.</summary>
    public int MaxCommitAlerts { get; set; } = 5_000;

    /// <summary>How often the drain looks for rows without being woken (it is woken after every commit).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after the pipeline failed a batch; doubles up to a minute.</summary>
    public TimeSpan FailureBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Failures in a row of one alert handled alone after which, once a later alert has gone through (so the pipeline
    /// works and this alert is the problem) and one last attempt failed too, its row is moved to <c>inbox_dead</c>
    /// instead of blocking every alert behind it.
    /// </summary>
    public int MaxHandleAttempts { get; set; } = 5;
}
