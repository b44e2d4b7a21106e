using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Rules.Engine;

namespace FalcoHook.Benchmarks;

/// <summary>
/// The upstream k8s_audit_rules.yaml with the real k8s_audit field provider over the conformance trace events,
/// parsed once in setup (so the parsed document is not counted). One operation = one event; the events of all
/// traces are evaluated per invocation, so events/s = 1 s / mean and allocation is per event.
/// </summary>
[MemoryDiagnoser]
public class AuditEvaluationBenchmarks
{
    private const int Events = 400;
    private RuleSet _set = null!;
    private AuditReadResult _batch = null!;
    private readonly List<CompiledRule> _results = new(64);
    private (CompiledRule Rule, AuditEvent Event)[] _matches = null!;

    [GlobalSetup]
    public void Setup()
    {
        _set = RuleSet.LoadFiles([Corpus.Path("rules", "k8s_audit_rules.yaml")], [new K8sAuditFieldProvider()]);
        if (_set.HasErrors) throw new InvalidOperationException(string.Join("\n", _set.Diagnostics));
        _batch = AuditEventReader.Read(Inputs.EventList(Events));
        if (!_batch.Ok || _batch.Events.Count != Events) throw new InvalidOperationException("the trace events did not read");
        _matches = _batch.Events.SelectMany(e => _set.Evaluate(K8sAuditFieldProvider.SourceName, e, RuleMatching.First).Select(r => (r, e))).ToArray();
        if (_matches.Length == 0) throw new InvalidOperationException("no trace event matched a rule");
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark(Description = "evaluate k8s_audit_rules.yaml, matching first, per event", OperationsPerInvoke = Events)]
    public int EvaluateFirst() => Evaluate(RuleMatching.First);

    [Benchmark(Description = "evaluate k8s_audit_rules.yaml, matching all, per event", OperationsPerInvoke = Events)]
    public int EvaluateAll() => Evaluate(RuleMatching.All);

    /// <summary>What POST /k8s-audit does after parsing (AuditEvaluator): evaluate, and build the alerts of the matches with outputs rendered.</summary>
    [Benchmark(Description = "evaluate + build alerts, matching first, per event", OperationsPerInvoke = Events)]
    public int EvaluateAndAlert()
    {
        var alerts = new List<FalcoAlert>();
        foreach (var evt in _batch.Events)
        {
            _results.Clear();
            _set.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.First, _results);
            foreach (var rule in _results) alerts.Add(rule.CreateAlert(evt, "falcohook"));
        }
        return alerts.Count;
    }

    /// <summary>Formatting one match's output (text and output_fields) into a FalcoAlert.</summary>
    [Benchmark(Description = "format a match's output into an alert")]
    public int FormatOutput()
    {
        var total = 0;
        foreach (var (rule, evt) in _matches) total += rule.CreateAlert(evt, "falcohook").Output.Length;
        return total;
    }

    private int Evaluate(RuleMatching matching)
    {
        var matched = 0;
        foreach (var evt in _batch.Events)
        {
            _results.Clear();
            matched += _set.Evaluate(K8sAuditFieldProvider.SourceName, evt, matching, _results);
        }
        return matched;
    }
}
