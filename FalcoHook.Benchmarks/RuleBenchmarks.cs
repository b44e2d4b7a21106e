using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Benchmarks;

/// <summary>Loading and compiling the upstream k8s_audit rules.</summary>
[MemoryDiagnoser]
public class RuleLoadingBenchmarks
{
    private RulesFile _file = null!;

    [GlobalSetup]
    public void Setup() => _file = RulesFile.Read(Corpus.Path("rules", "k8s_audit_rules.yaml"));

    [Benchmark(Description = "load+check k8s_audit_rules.yaml (no provider)")]
    public RuleSet LoadSyntaxOnly() => RuleSet.Load([_file], []);

    [Benchmark(Description = "load+compile k8s_audit_rules.yaml (synthetic provider)")]
    public RuleSet LoadAndCompile() => RuleSet.Load([_file], [new SyntheticAuditProvider()]);

    [Benchmark(Description = "read+compile k8s_audit_rules.yaml (k8s_audit provider)")]
    public RuleSet ReadAndCompileK8sAudit() =>
        RuleSet.LoadFiles([Corpus.Path("rules", "k8s_audit_rules.yaml")], [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()]);

    /// <summary>Falco's syscall rules: parsed and checked, not run (no syscall fields here).</summary>
    [Benchmark(Description = "read+check falco_rules.yaml")]
    public RuleSet ReadAndCheckFalcoRules() =>
        RuleSet.LoadFiles([Corpus.Path("rules", "falco_rules.yaml")], [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()]);
}

/// <summary>
/// The rule engine alone: the compiled upstream k8s_audit rules per event over six typical events whose fields
/// are pre-extracted (the synthetic provider), so the difference to <see cref="AuditEvaluationBenchmarks"/> is
/// the JSON field extraction. One operation = one event; events/s = 1 s / mean.
/// </summary>
[MemoryDiagnoser]
public class RuleEvaluationBenchmarks
{
    private RuleSet _set = null!;
    private Dictionary<string, FieldValue>[] _events = null!;
    private readonly List<CompiledRule> _results = new(64);
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _set = RuleSet.LoadFiles([Corpus.Path("rules", "k8s_audit_rules.yaml")], [new SyntheticAuditProvider()]);
        if (_set.HasErrors) throw new InvalidOperationException(string.Join("\n", _set.Diagnostics));
        _events = SyntheticAuditProvider.SampleEvents();
    }

    [Benchmark(Description = "evaluate k8s_audit rules, matching first")]
    public int EvaluateFirst()
    {
        var evt = _events[_next++ % _events.Length];
        _results.Clear();
        return _set.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.First, _results);
    }

    [Benchmark(Description = "evaluate k8s_audit rules, matching all")]
    public int EvaluateAll()
    {
        var evt = _events[_next++ % _events.Length];
        _results.Clear();
        return _set.Evaluate(K8sAuditFieldProvider.SourceName, evt, RuleMatching.All, _results);
    }
}

/// <summary>A destination/drop condition over real Falco alerts (the falco_alert source).</summary>
[MemoryDiagnoser]
public class AlertConditionBenchmarks
{
    private CompiledCondition _condition = null!;
    private FalcoAlert[] _alerts = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _alerts = Directory.GetFiles(Corpus.Path("alerts"), "*.jsonl")
            .SelectMany(f => AlertReader.ReadNdjson(File.ReadAllBytes(f)).Alerts).ToArray();
        _condition = ConditionCompiler.Compile(
            "falco.source = k8s_audit and not ka.user.name startswith system: and falco.priority in (Warning, Error, Critical)",
            new FalcoAlertFieldProvider()).Condition!;
    }

    [Benchmark(Description = "falco_alert condition per alert")]
    public bool Match() => _condition.Matches(_alerts[_next++ % _alerts.Length]);
}
