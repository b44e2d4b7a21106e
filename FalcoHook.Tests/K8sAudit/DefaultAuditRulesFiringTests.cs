using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.K8sAudit;

/// <summary>Each default audit rule fires on its firing fixture and stays quiet on its near miss.</summary>
public sealed class DefaultAuditRulesFiringTests
{
    private static readonly string RulesDirectory = Path.Combine(SharedCorpus.RepositoryRoot, "rules", "k8s_audit");
    private static readonly string FixtureDirectory = Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures");
    private static readonly IFieldProvider[] Providers = [new K8sAuditFieldProvider(), new FalcoAlertFieldProvider()];
    private static readonly Lazy<RuleSet> Rules = new(() => RuleSet.LoadFiles(RulesFile.ExpandPaths([RulesDirectory]), Providers));

    public static TheoryData<string> RuleNames()
    {
        var data = new TheoryData<string>();
        foreach (var rule in Rules.Value.Rules.Where(r => r.Source == "k8s_audit")) data.Add(rule.Name);
        return data;
    }

    [Fact]
    public void The_default_rules_load_without_errors_and_cover_the_required_threats()
    {
        Assert.False(Rules.Value.HasErrors, string.Join(Environment.NewLine, Rules.Value.Diagnostics));
        var names = Rules.Value.Rules.Select(r => r.Name).ToList();
        foreach (var required in new[] { "Exec", "Secret", "Privileged", "Host Path", "Host Namespaces", "cluster-admin", "Wildcard", "Anonymous", "ConfigMap" })
            Assert.Contains(names, n => n.Contains(required, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void A_rule_fires_on_its_fixture_and_not_on_its_near_miss(string name)
    {
        var slug = DefaultAuditRulesTests.Slug(name);
        foreach (var matching in new[] { RuleMatching.First, RuleMatching.All })
        {
            var fired = Evaluate($"{slug}.fires.json", matching);
            Assert.Equal([name], fired.Select(a => a.Rule));
            var alert = fired[0];
            Assert.Equal("k8s_audit", alert.Source);
            Assert.StartsWith(alert.Time.ToTimeOfDayString() + ": " + alert.Priority + " ", alert.Output, StringComparison.Ordinal);
            Assert.True(alert.OutputFields!.ContainsKey("evt.time"));

            Assert.Empty(Evaluate($"{slug}.quiet.json", matching));
        }
    }

    private static List<Core.Alerts.FalcoAlert> Evaluate(string fixture, RuleMatching matching)
    {
        using var batch = AuditEventReader.Read(File.ReadAllBytes(Path.Combine(FixtureDirectory, fixture)));
        Assert.True(batch.Ok, string.Join("; ", batch.Errors));
        return batch.Events.SelectMany(e => Rules.Value.Evaluate("k8s_audit", e, matching).Select(r => r.CreateAlert(e, "test"))).ToList();
    }
}
