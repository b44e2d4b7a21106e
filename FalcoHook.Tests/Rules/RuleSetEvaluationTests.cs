using FalcoHook.Core.Rules.Engine;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

public class RuleSetEvaluationTests
{
    private static readonly TestFieldProvider Provider = new();

    private static readonly string Yaml =
        Rule("first", "proc.name startswith b") +
        Rule("disabled", "proc.name = bash") + "  enabled: false\n" +
        Rule("second", "proc.name = bash") +
        Rule("third", "proc.name exists") +
        Rule("syscall rule", "proc.name = bash").Replace("source: test", "source: syscall");

    [Fact]
    public void First_matching_returns_only_the_first_enabled_match_in_load_order()
    {
        var set = LoadOk(Yaml, Provider);
        Assert.Equal(["first"], set.Evaluate("test", Event(("proc.name", "bash")), RuleMatching.First).Select(r => r.Name));
        Assert.Equal(["third"], set.Evaluate("test", Event(("proc.name", "zsh")), RuleMatching.First).Select(r => r.Name));
    }

    [Fact]
    public void All_matching_returns_every_enabled_match_in_load_order()
    {
        var set = LoadOk(Yaml, Provider);
        Assert.Equal(["first", "second", "third"], set.Evaluate("test", Event(("proc.name", "bash")), RuleMatching.All).Select(r => r.Name));
        var results = new List<CompiledRule>();
        Assert.Equal(3, set.Evaluate("test", Event(("proc.name", "bash")), RuleMatching.All, results));
    }

    [Fact]
    public void Rules_of_a_source_without_provider_are_kept_but_not_evaluated()
    {
        var set = LoadOk(Yaml, Provider);
        var syscall = set.Find("syscall rule")!;
        Assert.False(syscall.IsEvaluated);
        Assert.Empty(set.Evaluate("syscall", Event(("proc.name", "bash"))));
        Assert.Equal(["test"], set.EvaluatedSources);
    }

    [Fact]
    public void A_rule_set_compiles_for_real_once_a_provider_for_its_source_is_registered()
    {
        var yaml = Rule("r", "proc.name = bash").Replace("source: test", "source: other");
        Assert.False(LoadOk(yaml, Provider).Find("r")!.IsEvaluated);
        var set = LoadOk(yaml, Provider, new TestFieldProvider("other"));
        Assert.True(set.Find("r")!.IsEvaluated);
        Assert.Single(set.Evaluate("other", Event(("proc.name", "bash"))));
    }

    [Fact]
    public void Evaluation_is_safe_from_many_threads()
    {
        var set = LoadOk(Yaml, Provider);
        Parallel.For(0, 2000, i =>
        {
            var name = i % 2 == 0 ? "bash" : "zsh";
            var expected = i % 2 == 0 ? 3 : 1;
            Assert.Equal(expected, set.Evaluate("test", Event(("proc.name", name)), RuleMatching.All).Count);
        });
    }

    [Fact]
    public void A_standalone_condition_may_use_a_rule_sets_macros_and_lists()
    {
        var set = LoadOk("""
            - list: shells
              items: [bash, zsh]
            - macro: shell
              condition: proc.name in (shells)
            """, Provider);
        var result = ConditionCompiler.Compile("shell and not user.name = root", Provider, set);
        Assert.True(result.Success);
        Assert.True(result.Condition!.Matches(Event(("proc.name", "zsh"), ("user.name", "bob"))));
        Assert.False(result.Condition.Matches(Event(("proc.name", "zsh"), ("user.name", "root"))));
        Assert.Contains("undefined macro 'shell'", Assert.Single(ConditionCompiler.Compile("shell", Provider).Errors).Message);
    }
}
