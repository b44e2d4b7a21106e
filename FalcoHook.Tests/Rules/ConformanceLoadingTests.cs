using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Rules;

/// <summary>Upstream rules files load with no error (sources without a provider are syntax-checked only).</summary>
public class ConformanceLoadingTests
{
    private static RuleSet Load(params string[] relative) =>
        RuleSet.LoadFiles(relative.Select(r => SharedCorpus.Conformance(r.Split('/'))), []);

    private static void AssertNoErrors(RuleSet set) =>
        Assert.True(!set.HasErrors, string.Join("\n", set.Diagnostics.Where(d => d.IsError).Take(20)));

    [Fact]
    public void Upstream_k8s_audit_rules_load_without_errors()
    {
        var set = Load("rules/k8s_audit_rules.yaml");
        AssertNoErrors(set);
        Assert.Equal(48, set.Rules.Count);
        Assert.All(set.Rules, r => Assert.Equal("k8s_audit", r.Source));
    }

    [Fact]
    public void Upstream_k8s_audit_rules_compile_and_evaluate_with_a_k8s_audit_provider()
    {
        var set = RuleSet.LoadFiles([SharedCorpus.Conformance("rules", "k8s_audit_rules.yaml")],
            [new PermissiveFieldProvider("k8s_audit", "ka.", "jevt.")]);
        AssertNoErrors(set);
        Assert.All(set.Rules, r => Assert.True(r.IsEvaluated, r.Name));

        var exec = RulesTestHelpers.Event(("jevt.value[/stage]", "ResponseStarted"), ("ka.verb", "create"),
            ("ka.target.resource", "pods"), ("ka.target.subresource", "exec"), ("ka.user.name", "alice"),
            ("ka.target.name", "web"), ("ka.uri.param[command]", "bash"));
        var rule = Assert.Single(set.Evaluate("k8s_audit", exec));
        Assert.Equal("Attach/Exec Pod", rule.Name);
        var alert = rule.CreateAlert(exec);
        Assert.Contains("Attach/Exec to pod (user=alice pod=web resource=pods ns=<NA> action=exec command=bash)", alert.Output);
        Assert.Equal("bash", alert.OutputFields!["ka.uri.param[command]"].GetString());
    }

    [Fact]
    public void Upstream_syscall_rules_load_without_errors_and_are_not_evaluated()
    {
        var set = Load("rules/falco_rules.yaml");
        AssertNoErrors(set);
        Assert.NotEmpty(set.Rules);
        Assert.All(set.Rules, r => Assert.False(r.IsEvaluated));
    }

    /// <summary>Each distinct load order of the regression cases, files joined with '|'.</summary>
    public static TheoryData<string> CaseOrders()
    {
        var data = new TheoryData<string>();
        var cases = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedCorpus.Conformance("cases.json")));
        var seen = new HashSet<string>();
        foreach (var c in cases.RootElement.GetProperty("cases").EnumerateArray())
        {
            var rules = c.GetProperty("rules").EnumerateArray().Select(r => r.GetString()!).ToArray();
            var order = string.Join("|", rules);
            if (seen.Add(order)) data.Add(order);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseOrders))]
    public void Legacy_rules_load_without_errors_in_every_regression_order(string order)
    {
        AssertNoErrors(Load(order.Split('|')));
    }

    [Fact]
    public void Every_legacy_file_is_covered_by_the_regression_orders()
    {
        var legacy = Directory.GetFiles(SharedCorpus.Conformance("rules", "legacy"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(SharedCorpus.RequireConformance(), f).Replace('\\', '/'));
        var covered = new HashSet<string>();
        foreach (string order in CaseOrders()) covered.UnionWith(order.Split('|'));
        Assert.All(legacy, f => Assert.Contains(f, covered));
    }
}
