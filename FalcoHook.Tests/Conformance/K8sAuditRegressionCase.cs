using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Conformance;

/// <summary>
/// One case of Falco's Kubernetes-audit regression suite (../shared/conformance/cases.json): rule files in
/// load order, a trace of audit events, and what must be detected.
/// </summary>
public sealed record K8sAuditRegressionCase(
    string Name, string Trace, IReadOnlyList<string> Rules, bool Detect,
    IReadOnlyList<string> DetectLevels, IReadOnlyDictionary<string, int> DetectCounts)
{
    public override string ToString() => Name;

    public static IReadOnlyList<K8sAuditRegressionCase> All()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(SharedCorpus.Conformance("cases.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new K8sAuditRegressionCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("trace").GetString()!,
            c.GetProperty("rules").EnumerateArray().Select(r => r.GetString()!).ToList(),
            c.GetProperty("detect").GetBoolean(),
            c.TryGetProperty("detect_levels", out var levels) ? levels.EnumerateArray().Select(l => l.GetString()!).ToList() : [],
            c.TryGetProperty("detect_counts", out var counts)
                ? counts.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32())
                : new Dictionary<string, int>())).ToList();
    }

    public static IReadOnlyList<IFieldProvider> Providers { get; } = [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()];

    public RuleSet LoadRules() =>
        RuleSet.LoadFiles(Rules.Select(r => SharedCorpus.Conformance(r.Split('/'))), Providers);

    public byte[] TraceBytes() => File.ReadAllBytes(SharedCorpus.Conformance(Trace.Split('/')));

    /// <summary>The trace's events wrapped in one EventList, as kube-apiserver sends them.</summary>
    public byte[] TraceAsEventList()
    {
        var lines = File.ReadLines(SharedCorpus.Conformance(Trace.Split('/'))).Where(l => !string.IsNullOrWhiteSpace(l));
        return System.Text.Encoding.UTF8.GetBytes(
            """{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[""" + string.Join(",", lines) + "]}");
    }

    /// <summary>Checks what the suite checks: detect, detect_levels and detect_counts.</summary>
    public void AssertDetected(IReadOnlyList<FalcoAlert> alerts)
    {
        var summary = string.Join(", ", alerts.Select(a => $"{a.Rule} ({a.Priority})"));
        if (!Detect)
        {
            Assert.True(alerts.Count == 0, $"{Name}: expected no alert, got {summary}");
            return;
        }
        Assert.True(alerts.Count > 0, $"{Name}: expected at least one alert, got none");
        foreach (var level in DetectLevels)
        {
            Assert.True(Priorities.TryParse(level, out var priority), $"{Name}: unknown level {level}");
            Assert.True(alerts.Any(a => a.Priority == priority), $"{Name}: expected an alert of priority {level}, got {summary}");
        }
        foreach (var (rule, count) in DetectCounts)
            Assert.True(alerts.Count(a => a.Rule == rule) == count,
                $"{Name}: expected {count} alert(s) of '{rule}', got {alerts.Count(a => a.Rule == rule)} ({summary})");
    }
}
