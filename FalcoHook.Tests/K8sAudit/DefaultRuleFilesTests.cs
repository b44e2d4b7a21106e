using System.Text.RegularExpressions;
using FalcoHook.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace FalcoHook.Tests.K8sAudit;

/// <summary>Checks both default rule files are self-contained and fully described, until the engine validates them.</summary>
public partial class DefaultRuleFilesTests
{
    [GeneratedRegex(@"\bfalcohook_[a-z0-9_]+\b")]
    private static partial Regex OwnName();

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex MitreTechnique();

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode s ? s.Value ?? "" : "";

    private static List<YamlMappingNode> Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(SharedCorpus.RepositoryRoot, "rules", file))) yaml.Load(reader);
        return ((YamlSequenceNode)yaml.Documents[0].RootNode).Children.OfType<YamlMappingNode>().ToList();
    }

    [Theory]
    [InlineData("k8s_audit/falcohook_k8s_audit_rules.yaml", "k8s_audit")]
    [InlineData("falco/falcohook_falco_rules.yaml", "syscall")]
    public void Rule_file_defines_every_list_and_macro_before_use_and_describes_every_rule(string file, string source)
    {
        var defined = new HashSet<string>();
        var rules = 0;
        foreach (var item in Load(file))
        {
            var used = Scalar(item, "condition") + " " + (item.Children.TryGetValue(new YamlScalarNode("items"), out var items)
                ? string.Join(" ", ((YamlSequenceNode)items).Children.Select(i => ((YamlScalarNode)i).Value)) : "");
            foreach (Match name in OwnName().Matches(used))
                Assert.True(defined.Contains(name.Value), $"{file}: {name.Value} is used before it is defined");
            var own = Scalar(item, "list") + Scalar(item, "macro");
            if (own.Length > 0) { defined.Add(own); continue; }
            var rule = Scalar(item, "rule");
            if (rule.Length == 0) continue;
            rules++;
            foreach (var key in new[] { "desc", "condition", "output", "priority" })
                Assert.False(string.IsNullOrWhiteSpace(Scalar(item, key)), $"{rule}: {key}");
            Assert.Equal(source, Scalar(item, "source"));
            var tags = ((YamlSequenceNode)item.Children[new YamlScalarNode("tags")]).Children.Select(t => ((YamlScalarNode)t).Value!).ToList();
            Assert.Contains(tags, t => MitreTechnique().IsMatch(t));
            Assert.Contains(tags, t => t.StartsWith("mitre_", StringComparison.Ordinal));
            Assert.DoesNotContain(tags, t => t.Length == 0);
        }
        Assert.True(rules >= 5, $"{file}: {rules} rules");
    }
}
