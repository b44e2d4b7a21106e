using System.Diagnostics;
using System.Diagnostics.Metrics;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Core.Pipeline;

/// <summary>The pipeline's instruments on the service's <c>FalcoHook</c> meter, and its spans on the <c>FalcoHook</c> source.</summary>
public sealed class PipelineTelemetry
{
    public const string Name = "FalcoHook";

    /// <summary>The service-wide activity source, <see cref="FalcoHookTelemetry.ActivitySource"/>.</summary>
    public static ActivitySource ActivitySource => FalcoHookTelemetry.ActivitySource;

    /// <summary>Per-alert events on a batch's span at most (OpenTelemetry keeps 128 events a span by default).</summary>
    public const int MaxAlertEvents = 100;

    /// <summary>The attributes that say which alert a span is about: <c>falco.rule</c>, <c>falco.priority</c>, <c>falco.source</c>, <c>falco.hostname</c>.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> AlertAttributes(FalcoAlert alert)
    {
        yield return new("falco.rule", alert.Rule);
        yield return new("falco.priority", alert.Priority.ToFalcoString());
        if (alert.Source is { Length: > 0 } source) yield return new("falco.source", source);
        if (alert.Hostname is { Length: > 0 } hostname) yield return new("falco.hostname", hostname);
    }

    public PipelineTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        Dropped = Meter.CreateCounter<long>("falcohook.pipeline.dropped", "{alert}", "Alerts dropped by the filter stage, by reason.");
        Silenced = Meter.CreateCounter<long>("falcohook.pipeline.silenced", "{alert}", "Alerts matched by an active silence.");
        Deduplicated = Meter.CreateCounter<long>("falcohook.pipeline.deduplicated", "{alert}", "Repeats not sent because their first occurrence was sent within the window.");
        Aggregated = Meter.CreateCounter<long>("falcohook.pipeline.aggregated", "{alert}", "Alerts held into a storm summary instead of being sent one by one.");
        Inhibited = Meter.CreateCounter<long>("falcohook.pipeline.inhibited", "{alert}", "Alerts not sent because an inhibiting source alert was active.");
        Muted = Meter.CreateCounter<long>("falcohook.pipeline.muted", "{delivery}", "Deliveries not made because a time interval muted the destination, by destination.");
        Unrouted = Meter.CreateCounter<long>("falcohook.pipeline.unrouted", "{alert}", "Notifications no destination took.");
    }

    public Meter Meter { get; }
    public Counter<long> Dropped { get; }
    public Counter<long> Silenced { get; }
    public Counter<long> Deduplicated { get; }
    public Counter<long> Aggregated { get; }
    public Counter<long> Inhibited { get; }
    public Counter<long> Muted { get; }
    public Counter<long> Unrouted { get; }

    public static Activity? StartStage(string stage, int batchSize)
    {
        var activity = ActivitySource.StartActivity($"pipeline {stage}");
        activity?.SetTag("falcohook.pipeline.stage", stage);
        activity?.SetTag("falcohook.pipeline.batch_size", batchSize);
        return activity;
    }
}
