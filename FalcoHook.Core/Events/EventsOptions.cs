using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events;

/// <summary><c>FalcoHook:Events</c>: the alert history — whether it is kept, where, and for how long.</summary>
public sealed class EventsOptions
{
    public const string Section = "FalcoHook:Events";

    /// <summary>Keep every accepted alert with the pipeline's decisions; off, the pipeline tracks no decisions at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The SQLite file of the history. Empty: <c>events.db</c> beside the main database file. A file of its own, so
    /// history writes never wait for the inbox's write lock.
    /// </summary>
    public string? File { get; set; }

    /// <summary>
    /// A SQLite history is written by a process of its own at the lowest CPU priority (<c>SCHED_IDLE</c> on Linux), fed
    /// through a spool folder beside the history file (<see cref="Spool.SpooledHistory"/>), so that its writes take only
    /// CPU ingest leaves idle. Off: written by the service itself. A PostgreSQL history is always written by the service.
    /// </summary>
    public bool WriterProcess { get; set; } = true;

    /// <summary>
    /// With <see cref="WriterProcess"/>: the spool holds at most about this many bytes of events the writer process has not
    /// stored yet (about 1.6 KB an alert); beyond it the drain waits for the writer, and ingest with it.
    /// </summary>
    public long MaxSpoolBytes { get; set; } = 1L << 30;

    /// <summary>Events older than this (by when they were recorded) are deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many events are kept; the oldest go first.</summary>
    public long MaxEvents { get; set; } = 2_000_000;

    /// <summary>How often retention runs.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Events deleted per transaction: small, so a prune never holds the history's write lock for long.</summary>
    public int PruneBatchSize { get; set; } = 500;
}

/// <summary>Checks <c>FalcoHook:Events</c> at start-up.</summary>
public sealed class EventsOptionsValidator : IValidateOptions<EventsOptions>
{
    public ValidateOptionsResult Validate(string? name, EventsOptions options)
    {
        var failures = new OptionsFailures(EventsOptions.Section);
        failures.Positive(nameof(options.Retention), options.Retention);
        failures.AtLeast(nameof(options.MaxEvents), options.MaxEvents, 1);
        failures.Positive(nameof(options.PruneInterval), options.PruneInterval);
        failures.AtLeast(nameof(options.PruneBatchSize), options.PruneBatchSize, 1);
        failures.AtLeast(nameof(options.MaxSpoolBytes), options.MaxSpoolBytes, 1L << 20);
        if (options.File is { } file && file.Trim() != file) failures.Add(nameof(options.File), $"must not start or end with spaces (got '{file}').");
        return failures.Result;
    }
}
