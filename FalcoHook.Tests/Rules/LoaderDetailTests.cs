using FalcoHook.Core.Rules.Engine;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

public class LoaderDetailTests
{
    private static readonly TestFieldProvider Provider = new();

    [Theory]
    [InlineData("- required_engine_version: 15\n")]
    [InlineData("- required_engine_version: 0.26.0\n")]
    [InlineData("- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.4.0\n")]
    public void Version_requirements_are_accepted(string yaml) => Assert.Empty(LoadYaml(yaml, Provider).Diagnostics);

    [Theory]
    [InlineData("- required_engine_version: soon\n", 1, 28, "required_engine_version")]
    [InlineData("- required_plugin_versions:\n  - name: k8saudit\n", 2, 5, "needs 'name' and 'version'")]
    public void Bad_version_requirements_are_errors(string yaml, int line, int column, string message) =>
        AssertAt(SingleError(LoadYaml(yaml, Provider)), line, column, message);

    [Fact]
    public void Unknown_top_level_items_are_warnings()
    {
        var set = LoadYaml("- macr: typo\n  condition: a\n", Provider);
        Assert.False(set.HasErrors);
        AssertAt(Assert.Single(set.Diagnostics), 1, 3, "unknown top-level item 'macr'");
    }

    [Fact]
    public void Positions_inside_quoted_conditions_account_for_the_quote()
    {
        var set = LoadYaml("- rule: r\n  desc: d\n  condition: \"proc.name = a and nope\"\n  output: o\n  priority: INFO\n  source: test\n", Provider);
        AssertAt(SingleError(set), 3, 33, "undefined macro 'nope'");
    }

    [Fact]
    public void Positions_after_a_list_substitution_point_into_the_original_text()
    {
        var set = LoadYaml("- list: l\n  items: [a, b, c, d, e]\n" + Rule("r", "proc.name in (l) and nope"), Provider);
        AssertAt(SingleError(set), 5, 35, "undefined macro 'nope'");
    }

    [Fact]
    public void Several_files_load_in_order_and_report_their_own_names()
    {
        var set = LoadYamls([Provider], "- list: l\n  items: [a]\n", Rule("r", "proc.name in (l) and nope"));
        var error = SingleError(set);
        Assert.Equal("f2.yaml", error.Location!.File);
    }

    [Fact]
    public void Diagnostics_are_ordered_by_file_in_load_order_then_position()
    {
        // Found in different phases (a compile error in f1, a reader error in f2, a reader error in f1).
        var set = LoadYamls([Provider], Rule("r", "proc.name = a and nope") + "- list: x\n  items: [a]\n  append: maybe\n",
            "- macro: 9bad\n  condition: proc.name = a\n");
        Assert.Equal([("f1.yaml", 3), ("f1.yaml", 9), ("f2.yaml", 1)],
            set.Diagnostics.Where(d => d.IsError).Select(d => (d.Location!.File, d.Location.Line)));
    }

    [Fact]
    public void Rule_options_are_read()
    {
        var set = LoadOk(Rule("r", "proc.name = a") + "  warn_evttypes: false\n  capture: true\n  capture_duration: 2000\n  tags: [x, x, y]\n", Provider);
        var rule = set.Find("r")!;
        Assert.Equal(["x", "y"], rule.Tags);
        Assert.Equal("r description", rule.Description);
    }

    [Theory]
    [InlineData("  enabled: maybe\n", 7, 12, "expected a boolean")]
    [InlineData("  capture_duration: -1\n", 7, 21, "non-negative integer")]
    [InlineData("  tags: x\n", 7, 9, "'tags' must be a sequence")]
    public void Bad_rule_option_values_are_errors(string extra, int line, int column, string message) =>
        AssertAt(SingleError(LoadYaml(Rule("r", "proc.name = a") + extra, Provider)), line, column, message);

    [Fact]
    public void Unreferenced_lists_and_macros_are_warnings()
    {
        var set = LoadOk("- list: used\n  items: [a]\n- list: nested\n  items: [used]\n- list: lonely\n  items: [b]\n" +
                         "- macro: m_used\n  condition: proc.name in (nested)\n- macro: m_lonely\n  condition: proc.name = c\n" +
                         Rule("r", "m_used"), Provider);
        var warnings = set.Diagnostics.Select(d => (d.Severity, d.ItemKind, d.ItemName, d.Location!.Line)).ToList();
        Assert.Equal([(Core.Rules.DiagnosticSeverity.Warning, "list", "lonely", 5), (Core.Rules.DiagnosticSeverity.Warning, "macro", "m_lonely", 9)], warnings);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_an_error_not_an_exception()
    {
        var missing = Path.Combine(Path.GetTempPath(), "falcohook-" + Guid.NewGuid() + ".yaml");
        var set = RuleSet.LoadFiles([missing], [Provider]);
        AssertAt(SingleError(set), 1, 1, "cannot read the file");
        Assert.Equal(missing, set.Diagnostics[0].Location!.File);
    }

    [Fact]
    public void Default_source_is_syscall()
    {
        var set = LoadOk("- rule: r\n  desc: d\n  condition: proc.name = a\n  output: o\n  priority: INFO\n", Provider);
        Assert.Equal("syscall", set.Find("r")!.Source);
        Assert.False(set.Find("r")!.IsEvaluated);
    }

    [Fact]
    public void Evaluating_an_event_allocates_nothing_once_warm()
    {
        var set = LoadOk(Rule("a", "proc.name in (x, y) and not user.name startswith sys") +
                         Rule("b", "proc.name = bash and fd.name pmatch (/etc) and evt.num > 5") +
                         Rule("c", "tolower(proc.name) glob 'b*'"), Provider);
        var evt = Event(("proc.name", "bash"), ("user.name", "alice"), ("fd.name", "/etc/passwd"), ("evt.num", "7"));
        var results = new List<CompiledRule>(8);
        set.Evaluate("test", evt, RuleMatching.All, results);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            results.Clear();
            set.Evaluate("test", evt, RuleMatching.All, results);
        }
        var perEvent = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;
        Assert.Equal(["b", "c"], results.Select(r => r.Name));
        Assert.True(perEvent < 64, $"{perEvent} bytes per event"); // only the tolower() result string, about 32 bytes
    }
}
