using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Records the measurements of one service instance's FalcoHook meter (matched by the instance's
/// <see cref="IMeterFactory"/>, so tests running side by side do not see each other's numbers).
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MetricRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "FalcoHook" && ReferenceEquals(instrument.Meter.Scope, scope))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags) map[tag.Key] = tag.Value;
        _measurements.Enqueue((instrument.Name, value, map));
    }

    private IEnumerable<double> Values(string instrument, (string Key, object? Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument &&
                                 tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value)))
            .Select(m => m.Value);

    /// <summary>The sum of an instrument's measurements whose tags include every given tag.</summary>
    public long Sum(string instrument, params (string Key, object? Value)[] tags) => (long)Values(instrument, tags).Sum();

    /// <summary>How many measurements an instrument (a histogram, say) recorded with the given tags.</summary>
    public int Count(string instrument, params (string Key, object? Value)[] tags) => Values(instrument, tags).Count();

    /// <summary>Reads the observable instruments now and returns the last value of <paramref name="instrument"/>.</summary>
    public double? Observe(string instrument, params (string Key, object? Value)[] tags)
    {
        _listener.RecordObservableInstruments();
        return Values(instrument, tags).Select(v => (double?)v).LastOrDefault();
    }

    public void Dispose() => _listener.Dispose();
}
