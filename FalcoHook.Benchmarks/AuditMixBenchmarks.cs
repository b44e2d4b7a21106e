using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using Microsoft.Extensions.Options;

namespace FalcoHook.Benchmarks;

/// <summary>
/// The body of bench/audit-mix.sh (400 events, 4 of them alerting under the upstream k8s_audit_rules.yaml) through
/// what POST /k8s-audit does with it in process: parse only (what the ceiling does), read (parse and check every
/// event), and read + evaluate with the alerts built (AuditEvaluator). One operation = one batch. Min and median are
/// shown: on a shared machine they say more than the mean.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class AuditMixBenchmarks
{
    private const int Events = 400;
    private const int Alerting = 4;
    private byte[] _body = null!;
    private AuditEvaluator _evaluator = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = Inputs.AuditMix(Events, Alerting);
        var holder = new RuleSetHolder([new K8sAuditFieldProvider()], new FixedOptions(), AppContext.BaseDirectory);
        holder.Swap(RuleSet.LoadFiles([Corpus.Path("rules", "k8s_audit_rules.yaml")], holder.Providers));
        if (holder.Current.HasErrors) throw new InvalidOperationException(string.Join("\n", holder.Current.Diagnostics));
        _evaluator = new AuditEvaluator(holder);
        using var batch = AuditEventReader.Read(_body.AsMemory());
        if (!batch.Ok || batch.Events.Count != Events) throw new InvalidOperationException("the mix did not read");
        if (_evaluator.Evaluate(batch.Events, "falcohook").Count != Alerting) throw new InvalidOperationException("the mix did not raise one alert per trace event");
    }

    [Benchmark(Baseline = true, Description = "parse only (JsonDocument, as the ceiling), per batch")]
    public int Parse()
    {
        using var document = JsonDocument.Parse(_body.AsMemory());
        return document.RootElement.GetProperty("items"u8).GetArrayLength();
    }

    [Benchmark(Description = "read (AuditEventReader), per batch")]
    public int Read()
    {
        using var batch = AuditEventReader.Read(_body.AsMemory());
        return batch.Events.Count;
    }

    [Benchmark(Description = "read + evaluate + alerts (AuditEvaluator), per batch")]
    public int ReadAndEvaluate()
    {
        using var batch = AuditEventReader.Read(_body.AsMemory());
        return _evaluator.Evaluate(batch.Events, "falcohook").Count;
    }

    private sealed class FixedOptions : IOptionsMonitor<RulesOptions>
    {
        public RulesOptions CurrentValue { get; } = new();
        public RulesOptions Get(string? name) => CurrentValue;
        public IDisposable? OnChange(Action<RulesOptions, string?> listener) => null;
    }
}
