using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Benchmarks;

/// <summary>
/// Per-alert work on POST / and in the drain: read the body, serialise the alert (inbox row, security event log),
/// fingerprint it and enrich it. One operation = one alert (the syscall alert from the Falco website).
/// </summary>
[MemoryDiagnoser]
public class AlertBenchmarks
{
    private byte[] _body = null!;
    private FalcoAlert _alert = null!;
    private readonly AlertFingerprint _fingerprint = new();
    private readonly EnrichStage _enrich = new(new EnrichOptions());
    private Notification _notification = null!;
    private AggregateGroup _group = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = System.Text.Encoding.UTF8.GetBytes(Inputs.Alerts().First(a => a.Contains("\"syscall\"", StringComparison.Ordinal)));
        _alert = AlertReader.ReadJson(_body).Alerts[0];
        _notification = new Notification(_alert, _fingerprint.Compute(_alert));
        _group = new AggregateGroup("k", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _notification);
        _group.Observe(_alert, sampleValues: 5, maxFields: 50);
    }

    [Benchmark(Description = "read the body into an alert")]
    public FalcoAlert Read() => AlertReader.ReadJson(_body).Alerts[0];

    /// <summary>A fresh alert's JSON (an inbox row; the drain's re-read alert for the security event log).</summary>
    [Benchmark(Description = "read, then ToJson")]
    public int ReadAndSerialise() => AlertReader.ReadJson(_body).Alerts[0].ToJson().Length;

    [Benchmark(Description = "fingerprint")]
    public string Fingerprint() => _fingerprint.Compute(_alert);

    [Benchmark(Description = "enrich")]
    public Notification Enrich() => _enrich.Enrich(_notification);

    /// <summary>A repeat counted into its open storm window (dedup hands every repeat to aggregate).</summary>
    [Benchmark(Description = "storm window observes a repeat")]
    public long ObserveRepeat()
    {
        _group.Observe(_alert, sampleValues: 5, maxFields: 50);
        return _group.Count;
    }

    [Benchmark(Description = "time to text")]
    public string Time() => _alert.Time.ToString();
}
