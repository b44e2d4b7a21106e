using System.Text.RegularExpressions;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;
using YamlDotNet.RepresentationModel;
using static FalcoHook.Tests.K8sAudit.AuditFieldTestSupport;

namespace FalcoHook.Tests.K8sAudit;

/// <summary>
/// Checks the default audit rules without the rules engine: their shape, that every field they use is one the
/// provider resolves, and that every rule has a firing and a quiet fixture. Firing is tested once the engine is in.
/// </summary>
public partial class DefaultAuditRulesTests
{
    private static readonly string RulesFile = Path.Combine(SharedCorpus.RepositoryRoot, "rules", "k8s_audit", "falcohook_k8s_audit_rules.yaml");
    private static readonly string FixtureDirectory = Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures");

    [GeneratedRegex(@"\b((?:ka|jevt|json)\.[A-Za-z0-9_.]*[A-Za-z0-9_])(?:\[([^\]]*)\])?")]
    private static partial Regex FieldReference();

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex MitreTechnique();

    private static List<YamlMappingNode> Items()
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(RulesFile)) yaml.Load(reader);
        return ((YamlSequenceNode)yaml.Documents[0].RootNode).Children.OfType<YamlMappingNode>().ToList();
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static IEnumerable<YamlMappingNode> Rules() => Items().Where(i => Scalar(i, "rule") is not null);

    public static string Slug(string rule) =>
        Regex.Replace(rule.Replace("K8s ", "", StringComparison.Ordinal).ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    [Fact]
    public void Every_rule_is_complete_and_tagged_for_k8s_audit_and_mitre()
    {
        var rules = Rules().ToList();
        Assert.True(rules.Count >= 9);
        foreach (var rule in rules)
        {
            var name = Scalar(rule, "rule")!;
            foreach (var key in new[] { "desc", "condition", "output", "priority" })
                Assert.False(string.IsNullOrWhiteSpace(Scalar(rule, key)), $"{name}: {key}");
            Assert.Equal("k8s_audit", Scalar(rule, "source"));
            Assert.Contains("falcohook_ka_completed", Scalar(rule, "condition"));
            var tags = ((YamlSequenceNode)rule.Children[new YamlScalarNode("tags")]).Children.Select(t => ((YamlScalarNode)t).Value!).ToList();
            Assert.Contains("k8s_audit", tags);
            Assert.Contains(tags, t => MitreTechnique().IsMatch(t));
            Assert.Contains(tags, t => t.StartsWith("mitre_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_field_the_rules_use_resolves_in_the_provider()
    {
        var text = string.Join("\n", Items().SelectMany(i => new[] { Scalar(i, "condition"), Scalar(i, "output") }).OfType<string>());
        var fields = FieldReference().Matches(text).Select(m => (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null)).Distinct().ToList();
        Assert.NotEmpty(fields);
        foreach (var (name, argument) in fields) Resolve(name, argument);
    }

    [Fact]
    public void Every_rule_has_a_firing_and_a_quiet_fixture_that_reads_as_one_completed_event()
    {
        foreach (var rule in Rules())
        {
            var slug = Slug(Scalar(rule, "rule")!);
            foreach (var kind in new[] { "fires", "quiet" })
            {
                var path = Path.Combine(FixtureDirectory, $"{slug}.{kind}.json");
                Assert.True(File.Exists(path), $"missing {path}");
                using var result = AuditEventReader.Read(File.ReadAllBytes(path));
                Assert.True(result.Ok, $"{path}: {string.Join("; ", result.Errors)}");
                Assert.Equal("ResponseComplete", Single(Assert.Single(result.Events), "ka.stage"));
            }
        }
    }
}
