using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline.State;

namespace FalcoHook.Core.Pipeline;

/// <summary>One group's open window in the aggregate stage, and how it becomes a summary.</summary>
internal sealed class AggregateGroup
{
    private Dictionary<string, List<string>> _samples = new(StringComparer.Ordinal);

    public AggregateGroup(string key, IReadOnlyDictionary<string, string> keyValues, DateTimeOffset windowStart, Notification first)
    {
        Key = key;
        KeyValues = keyValues;
        WindowStart = windowStart;
        First = first;
        FirstSeen = LastSeen = first.Alert.Time;
        Priority = first.Alert.Priority;
    }

    public string Key { get; }
    public IReadOnlyDictionary<string, string> KeyValues { get; }
    public DateTimeOffset WindowStart { get; }
    public Notification First { get; }
    public long Count { get; private set; }
    public long Held { get; set; }
    public FalcoTime FirstSeen { get; private set; }
    public FalcoTime LastSeen { get; private set; }
    public Priority Priority { get; private set; }

    /// <summary>Grows when a sample value is added, so a write-through knows whether the samples changed.</summary>
    public int SamplesVersion { get; private set; }

    public void Observe(FalcoAlert alert, int sampleValues, int maxFields)
    {
        Count++;
        if (alert.Time.CompareTo(FirstSeen) < 0) FirstSeen = alert.Time;
        if (alert.Time.CompareTo(LastSeen) > 0) LastSeen = alert.Time;
        if (alert.Priority > Priority) Priority = alert.Priority;
        if (alert.OutputFields is null || sampleValues <= 0) return;
        foreach (var (field, value) in alert.OutputFields)
        {
            if (AlertFields.IsPerEventField(field)) continue;
            if (!_samples.TryGetValue(field, out var values))
            {
                if (_samples.Count >= maxFields) continue;
                _samples[field] = values = [];
            }
            if (values.Count >= sampleValues) continue;
            var text = AlertFields.ToText(value) ?? "null";
            if (values.Contains(text)) continue;
            values.Add(text);
            SamplesVersion++;
        }
    }

    /// <summary>The stored form; the first notification and key only for a new window, the samples only when changed.</summary>
    public AggregateGroupState ToState(bool isNew, bool samplesChanged) => new()
    {
        Key = Key,
        WindowStart = WindowStart,
        Count = Count,
        Held = Held,
        FirstSeenNanos = FirstSeen.UnixNanoseconds,
        LastSeenNanos = LastSeen.UnixNanoseconds,
        Priority = (int)Priority,
        Samples = isNew || samplesChanged ? JsonSerializer.Serialize(_samples, PipelineStateJson.Default.DictionaryStringListString) : null,
        KeyValues = isNew ? JsonSerializer.Serialize(KeyValues.ToDictionary(), PipelineStateJson.Default.DictionaryStringString) : null,
        First = isNew ? NotificationJson.Serialize(First) : null,
    };

    /// <summary>A group as stored (all fields set).</summary>
    public static AggregateGroup FromState(AggregateGroupState state)
    {
        var keyValues = JsonSerializer.Deserialize(state.KeyValues ?? "{}", PipelineStateJson.Default.DictionaryStringString) ?? [];
        var first = NotificationJson.Deserialize(state.First ?? throw new FormatException($"Stored storm window '{state.Key}' has no first alert."));
        var group = new AggregateGroup(state.Key, keyValues, state.WindowStart, first)
        {
            Count = state.Count,
            Held = state.Held,
            FirstSeen = new FalcoTime(state.FirstSeenNanos),
            LastSeen = new FalcoTime(state.LastSeenNanos),
            Priority = (Priority)state.Priority,
        };
        var samples = JsonSerializer.Deserialize(state.Samples ?? "{}", PipelineStateJson.Default.DictionaryStringListString) ?? [];
        group._samples = new Dictionary<string, List<string>>(samples, StringComparer.Ordinal);
        return group;
    }

    public AggregateGroup Clone()
    {
        var copy = (AggregateGroup)MemberwiseClone();
        copy._samples = _samples.ToDictionary(p => p.Key, p => p.Value.ToList(), StringComparer.Ordinal);
        return copy;
    }

    /// <summary>The fingerprint of this group's summary: its key and window, so one window makes one summary.</summary>
    public string SummaryFingerprint => AlertFingerprint.Hash(["aggregate", Key, WindowStart.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    /// <summary>
    /// The summary: a synthesized alert (the group's rule, priority, source and hostname; the first alert's
    /// output_fields so destination conditions still apply; tags plus <c>aggregated</c>; output
    /// <c>"&lt;count&gt; alerts of '&lt;rule&gt;' in &lt;window&gt;: &lt;first output&gt;"</c>; time = the window's end).
    /// </summary>
    public Notification Summarize(TimeSpan window)
    {
        var first = First.Alert;
        var alert = new FalcoAlert
        {
            Rule = first.Rule,
            Priority = Priority,
            Time = FalcoTime.FromDateTimeOffset(WindowStart + window),
            Output = $"{Count} alerts of '{first.Rule}' in {Format(window)}: {first.Output}",
            Source = first.Source,
            Hostname = first.Hostname,
            Tags = [.. first.Tags.Where(t => t != "aggregated"), "aggregated"],
            OutputFields = first.OutputFields,
        };
        return new Notification(alert, SummaryFingerprint)
        {
            Enrichment = First.Enrichment,
            Digest = new AlertDigest
            {
                Count = Count,
                FirstSeen = FirstSeen,
                LastSeen = LastSeen,
                FirstOutput = first.Output,
                GroupKey = KeyValues,
                Samples = _samples.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.ToList(), StringComparer.Ordinal),
            },
        };
    }

    /// <summary><c>1m</c>, <c>90s</c>, <c>1h</c>; anything finer as <c>hh:mm:ss.fff</c>.</summary>
    public static string Format(TimeSpan window) =>
        window.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)window.TotalHours}h"
        : window.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)window.TotalMinutes}m"
        : window.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)window.TotalSeconds}s"
        : window.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
