using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Ingest;

/// <summary><c>FalcoHook:Ingest</c>: what the endpoints take, and the durable inbox they append to.</summary>
public sealed class IngestOptions
{
    public const string Section = "FalcoHook:Ingest";

    /// <summary>Largest Falco alert body, in bytes (413 above it).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest <c>/k8s-audit</c> body, in bytes (kube-apiserver's batches are at most 10 MiB).</summary>
    public long AuditMaxBodyBytes { get; set; } = 12 * 1024 * 1024;

    /// <summary>The <c>Retry-After</c> sent with 503 and 429, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Bearer tokens accepted on <c>/k8s-audit</c>; none configured means no token is required.</summary>
    public List<string> AuditTokens { get; set; } = [];

    /// <summary>Alerts accepted but not yet processed (stored or waiting to be) before AppendAsync answers Full.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long AppendAsync waits for room before answering Full.</summary>
    public TimeSpan QueueFullWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Alerts given to the pipeline at once.</summary>
    public int DrainBatchSize { get; set; } = 256;

    /// <summary>
    /// How long the drain waits after a round that caught up before the next one, so its writes share the SQLite
    /// write turn in fewer, larger rounds. Alerts reach the pipeline up to this much later. Zero: at once.
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

/// <summary>Checks <c>FalcoHook:Ingest</c> at start-up.</summary>
public sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new OptionsFailures(IngestOptions.Section);
        failures.AtLeast(nameof(options.MaxBodyBytes), options.MaxBodyBytes, 1);
        failures.AtLeast(nameof(options.AuditMaxBodyBytes), options.AuditMaxBodyBytes, 1);
        failures.AtLeast(nameof(options.RetryAfterSeconds), options.RetryAfterSeconds, 1);
        failures.AtLeast(nameof(options.QueueCapacity), options.QueueCapacity, 1);
        failures.NotNegative(nameof(options.QueueFullWait), options.QueueFullWait);
        failures.AtLeast(nameof(options.DrainBatchSize), options.DrainBatchSize, 1);
        failures.AtLeast(nameof(options.MaxCommitAlerts), options.MaxCommitAlerts, 1);
        failures.Positive(nameof(options.PollInterval), options.PollInterval);
        failures.AtLeast(nameof(options.MaxHandleAttempts), options.MaxHandleAttempts, 1);
        return failures.Result;
    }
}
