using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Language;
using FalcoHook.Core.Rules.Loading;
using FalcoHook.Core.Rules.Management;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>
/// Every parser and expansion of the rules language stops at a limit, at a position that shows how far it read:
/// work is bounded by the limit, never by a clock.
/// </summary>
public class RulesLimitsTests
{
    private static readonly TestFieldProvider Provider = new();

    /// <summary>A rule whose <c>desc</c> is a flow sequence nested <paramref name="depth"/> levels (line 2, starting at column 9).</summary>
    private static string DeepDesc(int depth) =>
        $"- rule: Deep\n  desc: {new string('[', depth)}x{new string(']', depth)}\n  condition: proc.name = a\n  output: o\n  priority: INFO\n  source: test\n";

    [Fact]
    public void Yaml_nested_beyond_the_limit_is_refused_at_the_first_level_too_deep()
    {
        var error = Assert.Throws<YamlTreeException>(() => YamlTree.Parse(DeepDesc(100_000)));
        Assert.Contains($"deeper than {YamlTree.MaxDepth} levels", error.Message);
        // The document's sequence and the item's mapping are two levels; the desc's bracket of level 101 is
        // the 99th, at column 9 + 98: nothing after it was read.
        Assert.Equal((2L, 9L + 98), (error.At.Line, error.At.Column));
        Assert.Single(YamlTree.Parse(DeepDesc(YamlTree.MaxDepth - 2))); // exactly the limit: read
    }

    [Fact]
    public void A_deep_desc_in_a_rules_file_is_one_error_at_its_position()
    {
        AssertAt(SingleError(LoadYaml(DeepDesc(100_000), Provider)), 2, 9 + 98, "deeper than 100 levels");
    }

    [Fact]
    public void A_deep_managed_document_is_refused_with_its_position_instead_of_recursing()
    {
        var errors = new List<Core.Rules.RuleDiagnostic>();
        Assert.Null(ManagedDocument.Parse(DeepDesc(30_000), 1, ManagedDocument.FileName, errors));
        var error = Assert.Single(errors);
        Assert.Equal((ManagedDocument.FileName, 2, 9 + 98), (error.Location!.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void A_document_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var text = "# " + new string('x', YamlTree.MaxDocumentChars) + "\n[";
        var error = Assert.Throws<YamlTreeException>(() => YamlTree.Parse(text));
        Assert.Contains($"more than the {YamlTree.MaxDocumentChars:N0} allowed", error.Message);
        Assert.Equal(0L, error.At.Index); // refused at the start: the unclosed '[' at the end was never seen
    }

    /// <summary>l0 has 10 items, each lk names l(k-1) ten times: lk expands to 10^(k+1) items.</summary>
    internal static string ListBomb(int levels = 9)
    {
        var yaml = "- list: l0\n  items: [a, b, c, d, e, f, g, h, i, j]\n";
        for (var k = 1; k <= levels; k++) yaml += $"- list: l{k}\n  items: [{string.Join(", ", Enumerable.Repeat($"l{k - 1}", 10))}]\n";
        return yaml + "- rule: Bomb\n  desc: d\n  condition: proc.name in (l9)\n  output: o\n  priority: INFO\n  source: test\n";
    }

    [Fact]
    public void A_list_bomb_is_refused_at_the_first_list_beyond_the_limit()
    {
        var set = LoadYaml(ListBomb(), Provider);
        var error = SingleError(set);
        // l4 has 100,000 items, the most a list may have; l5 is the first beyond it (line 11).
        AssertAt(error, 11, 3, $"list 'l5' expands to more than {DefinitionResolver.MaxListItems:N0} items");
        Assert.Equal(("list", "l5"), (error.ItemKind, error.ItemName));
        Assert.True(set.TryGetList("l4", out var l4) && l4.Count == 100_000);
        Assert.True(set.TryGetList("l9", out var l9) && l9.Count == 0);
    }

    [Fact]
    public void Lists_together_are_bounded_too()
    {
        // Ten lists of 100,000 items each (the same nested list ten times) after the 10,000 of base: the tenth crosses 1,000,000 in all.
        var yaml = "- list: base\n  items: [" + string.Join(", ", Enumerable.Range(0, 10_000).Select(i => $"i{i}")) + "]\n";
        for (var k = 0; k < 10; k++) yaml += $"- list: big{k}\n  items: [{string.Join(", ", Enumerable.Repeat("base", 10))}]\n";
        var error = SingleError(LoadYaml(yaml, Provider));
        Assert.Contains($"beyond {DefinitionResolver.MaxTotalListItems:N0} items in all", error.Message);
        Assert.Equal("big9", error.ItemName);
    }

    [Fact]
    public void A_condition_that_a_list_would_make_too_long_is_refused_at_that_list()
    {
        // 100,000 items of 9 characters plus ", " substituted: about 1.1 million characters.
        var yaml = "- list: wide\n  items: [" + string.Join(", ", Enumerable.Range(0, 100_000).Select(i => $"w{i:D8}")) + "]\n" +
                   Rule("r", "proc.name in (wide)");
        AssertAt(SingleError(LoadYaml(yaml, Provider)), 5, 28, "once list 'wide' (100,000 items) is substituted");
    }

    [Fact]
    public void A_macro_over_a_long_list_cannot_be_repeated_into_a_huge_condition()
    {
        var yaml = "- list: many\n  items: [" + string.Join(", ", Enumerable.Range(0, 60_000).Select(i => $"m{i}")) + "]\n" +
                   "- macro: in_many\n  condition: proc.name in (many)\n" +
                   Rule("r", string.Join(" or ", Enumerable.Repeat("in_many", 10)));
        var error = SingleError(LoadYaml(yaml, Provider));
        Assert.Contains($"grows beyond {MacroResolver.MaxSize:N0} nodes", error.Message);
        Assert.Equal("r", error.ItemName);
    }

    [Fact]
    public void The_rules_together_are_bounded_and_the_rule_that_crosses_is_named()
    {
        var yaml = "- list: many\n  items: [" + string.Join(", ", Enumerable.Range(0, 90_000).Select(i => $"m{i}")) + "]\n" +
                   "- macro: in_many\n  condition: proc.name in (many)\n" +
                   string.Concat(Enumerable.Range(0, 14).Select(i => Rule($"r{i}", "in_many or in_many or in_many or in_many")));
        var set = LoadYaml(yaml, Provider);
        var error = SingleError(set);
        Assert.Contains($"beyond {RuleSetCompiler.MaxTotalSize:N0} condition nodes and list items in all", error.Message);
        Assert.Equal("r2", error.ItemName); // each rule holds 360,005: the third takes the set past 1,000,000
        Assert.Null(set.Find("r13"));
    }

    [Fact]
    public void A_cancelled_load_stops_before_reading()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var provider = new CountingProvider();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            RuleSet.Load([new RulesFile("test.yaml", Rule("r", "proc.name = a"))], [provider], cancelled.Token));
        Assert.Equal(0, provider.Resolved);
    }

    [Fact]
    public void Cancelling_during_a_compile_stops_it_at_the_next_rule()
    {
        using var budget = new CancellationTokenSource();
        var provider = new CountingProvider(onResolve: n => { if (n == 3) budget.Cancel(); });
        // Each rule uses its own field spelling, so each compiles one field resolution.
        var yaml = string.Concat(Enumerable.Range(0, 100).Select(i => Rule($"r{i}", $"proc.name[{i}] = a")));
        Assert.ThrowsAny<OperationCanceledException>(() => RuleSet.Load([new RulesFile("test.yaml", yaml)], [provider], budget.Token));
        Assert.Equal(3, provider.Resolved); // the fourth rule was never compiled
    }

    [Fact]
    public void A_budgeted_evaluation_stops_between_batches_of_rules()
    {
        var yaml = string.Concat(Enumerable.Range(0, 200).Select(i => Rule($"r{i}", "proc.name = a")));
        var set = LoadOk(yaml, Provider);
        Assert.Equal(200, set.Evaluate("test", Event(("proc.name", "a")), RuleMatching.All, CancellationToken.None).Count);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => set.Evaluate("test", Event(("proc.name", "a")), RuleMatching.All, cancelled.Token));
    }

    /// <summary>The test source's fields, counting resolutions and calling back on each.</summary>
    private sealed class CountingProvider(Action<int>? onResolve = null) : IFieldProvider
    {
        private readonly TestFieldProvider _inner = new();

        public int Resolved { get; private set; }
        public string Source => _inner.Source;
        public IReadOnlyList<FieldInfo> Fields => _inner.Fields;
        public long GetEventTime(object evt) => _inner.GetEventTime(evt);

        public bool TryResolve(string name, string? argument,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IFieldExtractor? extractor,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
        {
            onResolve?.Invoke(++Resolved);
            return _inner.TryResolve(name, argument, out extractor, out error);
        }
    }
}
