using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Conformance;

/// <summary>Falco's own Kubernetes-audit regression suite, run through our engine with rule_matching first.</summary>
public sealed class K8sAuditRegressionTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        if (SharedCorpus.ConformanceDirectory is null)
        {
            // Keep one row so the theory runs and fails with the corpus's plain message instead of vanishing.
            data.Add("(conformance corpus absent)");
            return data;
        }
        foreach (var c in K8sAuditRegressionCase.All()) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void The_suite_has_all_48_cases()
    {
        Assert.Equal(48, K8sAuditRegressionCase.All().Count);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_regression_case_detects_what_falco_detects(string name)
    {
        var regression = K8sAuditRegressionCase.All().Single(c => c.Name == name);
        var rules = regression.LoadRules();
        Assert.False(rules.HasErrors, string.Join(Environment.NewLine, rules.Diagnostics.Where(d => d.IsError)));

        using var trace = AuditEventReader.ReadJsonLines(regression.TraceBytes());
        Assert.True(trace.Ok, string.Join("; ", trace.Errors));
        Assert.NotEmpty(trace.Events);

        var alerts = new List<FalcoAlert>();
        foreach (var evt in trace.Events)
            foreach (var rule in rules.Evaluate("k8s_audit", evt, RuleMatching.First))
                alerts.Add(rule.CreateAlert(evt, "conformance"));

        regression.AssertDetected(alerts);
    }
}
