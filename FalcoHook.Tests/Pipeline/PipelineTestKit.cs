using System.Diagnostics.Metrics;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Pipeline;

/// <summary>Alerts, clocks, telemetry and a recording outbox for pipeline tests.</summary>
public sealed class PipelineTestKit : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public PipelineTestKit()
    {
        Telemetry = new PipelineTelemetry(MeterFactory);
        Metrics = new MetricRecorder(Telemetry.Meter);
    }

    public FakeTimeProvider Time { get; } = new(Start);
    public TestMeterFactory MeterFactory { get; } = new();
    public PipelineTelemetry Telemetry { get; }
    public MetricRecorder Metrics { get; }
    public RecordingOutbox Outbox { get; } = new();
    public IAlertConditionCompiler Compiler { get; } = new FalcoAlertConditionCompiler();

    public AlertRouter Router(params (string Name, DestinationOptions Options)[] destinations) =>
        new(destinations.Length == 0
                ? new Dictionary<string, DestinationOptions> { ["all"] = new() { Type = "webhook" } }
                : destinations.ToDictionary(d => d.Name, d => d.Options),
            Compiler, Telemetry);

    public static FalcoAlert Alert(string rule = "Terminal shell in container", Priority priority = Priority.Warning,
        string? hostname = "node-1", string? source = "syscall", string[]? tags = null, string output = "A shell was spawned",
        object? fields = null, DateTimeOffset? time = null) => new()
    {
        Rule = rule,
        Priority = priority,
        Time = FalcoTime.FromDateTimeOffset(time ?? Start),
        Output = output,
        Hostname = hostname,
        Source = source,
        Tags = tags ?? ["container", "shell"],
        OutputFields = fields is null ? null : Fields(fields),
    };

    public static Dictionary<string, JsonElement> Fields(object fields)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(fields));
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    /// <summary>The alert as the pipeline wraps it: with its fingerprint and an inbox row of its own.</summary>
    public static Notification Wrap(FalcoAlert alert) => new(alert, new AlertFingerprint().Compute(alert)) { Origin = TestInbox.NewOrigin() };

    public void Dispose()
    {
        Metrics.Dispose();
        MeterFactory.Dispose();
    }
}

public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        lock (_meters) _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        lock (_meters) foreach (var meter in _meters) meter.Dispose();
    }
}

/// <summary>Sums the long counters of one meter instance, by instrument name and optional tag value.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _totals = [];

    public MetricRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_totals)
            {
                Add(instrument.Name, value);
                foreach (var tag in tags) Add($"{instrument.Name}[{tag.Value}]", value);
            }
        });
        _listener.Start();
    }

    private void Add(string key, long value) => _totals[key] = _totals.GetValueOrDefault(key) + value;

    /// <summary><c>Total("falcohook.pipeline.dropped")</c> or, for one tag value, <c>Total("falcohook.pipeline.dropped", "drop_rule")</c>.</summary>
    public long Total(string instrument, string? tagValue = null)
    {
        lock (_totals) return _totals.GetValueOrDefault(tagValue is null ? instrument : $"{instrument}[{tagValue}]");
    }

    public void Dispose() => _listener.Dispose();
}
