using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Benchmarks;

/// <summary>Reading what arrives on the wire: a Falco alert (POST /) and a 400-event audit EventList (POST /k8s-audit).</summary>
[MemoryDiagnoser]
public class ParsingBenchmarks
{
    public const int BatchEvents = 400;
    private byte[] _alert = null!;
    private byte[] _eventList = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The syscall alert from the Falco website: the shape http_output posts, with output_fields.
        _alert = System.Text.Encoding.UTF8.GetBytes(Inputs.Alerts().First(a => a.Contains("\"syscall\"", StringComparison.Ordinal)));
        _eventList = Inputs.EventList(BatchEvents);
    }

    [Benchmark(Description = "read one Falco alert (application/json)")]
    public int ReadAlert() => AlertReader.ReadJson(_alert).Alerts.Count;

    /// <summary>One operation = one event of the batch (the whole EventList is read per invocation).</summary>
    [Benchmark(Description = "read a 400-event EventList, per event", OperationsPerInvoke = BatchEvents)]
    public int ReadEventList()
    {
        using var batch = AuditEventReader.Read(_eventList);
        return batch.Events.Count;
    }
}
