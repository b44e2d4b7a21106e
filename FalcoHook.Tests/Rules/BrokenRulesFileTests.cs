using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>Broken files give precise errors (file, line, column, item) and never crash or hang.</summary>
public class BrokenRulesFileTests
{
    private static readonly TestFieldProvider Provider = new();

    [Fact]
    public void Bad_operator_is_reported_at_the_operator()
    {
        var set = LoadYaml(Rule("r", "proc.name is bash"), Provider);
        AssertAt(SingleError(set), 3, 24, "unknown operator 'is'");
    }

    [Fact]
    public void Unbalanced_parenthesis_is_reported_at_the_open_parenthesis()
    {
        var set = LoadYaml(Rule("r", "proc.name = a and (proc.name = b or proc.name = c"), Provider);
        AssertAt(SingleError(set), 3, 32, "unbalanced parenthesis");
    }

    [Fact]
    public void Unknown_field_of_a_known_source_is_reported_at_the_field()
    {
        var set = LoadYaml(Rule("r", "proc.name = a and proc.nosuch = b"), Provider);
        var error = SingleError(set);
        AssertAt(error, 3, 32, "unknown field 'proc.nosuch'");
        Assert.Equal("r", error.ItemName);
    }

    [Fact]
    public void Unknown_fields_of_a_source_without_provider_are_not_errors()
    {
        var set = LoadOk(Rule("r", "proc.nosuch = b").Replace("source: test", "source: syscall"), Provider);
        Assert.False(set.Find("r")!.IsEvaluated);
    }

    [Fact]
    public void Skip_if_unknown_filter_turns_an_unknown_field_into_a_warning()
    {
        var set = LoadYaml(Rule("r", "proc.nosuch = b") + "  skip-if-unknown-filter: true\n", Provider);
        Assert.False(set.HasErrors);
        Assert.Null(set.Find("r"));
        Assert.Contains(set.Diagnostics, d => d.Message.Contains("skip-if-unknown-filter"));
    }

    [Fact]
    public void Wrong_priority_is_reported_at_the_value()
    {
        var set = LoadYaml(Rule("r", "proc.name = a", priority: "URGENT"), Provider);
        AssertAt(SingleError(set), 5, 13, "invalid priority 'URGENT'");
    }

    [Fact]
    public void Yaml_syntax_error_is_reported_at_its_position()
    {
        var set = LoadYaml("- rule: r\n  desc: [unclosed\n  condition: a\n", Provider);
        var error = SingleError(set);
        Assert.Contains("invalid YAML", error.Message);
        Assert.Equal("test.yaml", error.Location!.File);
        Assert.True(error.Location.Line >= 2, error.ToString());
    }

    [Fact]
    public void Tab_indentation_is_a_yaml_error_not_a_crash()
    {
        var set = LoadYaml("- rule: r\n\tdesc: x\n", Provider);
        Assert.Contains("invalid YAML", SingleError(set).Message);
    }

    [Fact]
    public void A_yaml_alias_bomb_is_refused_at_the_alias_that_crosses_the_budget()
    {
        var yaml = "- list: a0\n  items: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
            string.Concat(Enumerable.Range(1, 12).Select(i =>
                $"- list: a{i}\n  items: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));
        var set = LoadYaml(yaml, Provider);
        // a4 expands to 111,111 nodes; the tenth alias of a5 (line 12, column 15 + 9 * 5) takes a5 past
        // 1,000,000: reading stops there, and a6 to a12, ten to ten million times larger, are never read.
        AssertAt(SingleError(set), 12, 15 + 9 * 5, "more than 1,000,000 nodes");
    }

    [Fact]
    public void A_ten_thousand_deep_condition_in_a_file_is_refused_at_the_first_level_too_deep()
    {
        var condition = new string('(', 10_000) + "proc.name = a" + new string(')', 10_000);
        var set = LoadYaml(Rule("r", condition), Provider);
        // Column 14 is the condition's first '('; the parser stopped at the 1001st and never read the rest.
        AssertAt(SingleError(set), 3, 14 + 1000, "nests deeper than 1000");
    }

    [Fact]
    public void Missing_required_keys_are_named()
    {
        var set = LoadYaml("- rule: r\n  condition: proc.name = a\n  source: test\n", Provider);
        AssertAt(SingleError(set), 1, 3, "misses required keys 'output', 'desc', 'priority'");
    }

    [Fact]
    public void An_item_that_is_not_a_mapping_is_an_error()
    {
        var set = LoadYaml("- just a string\n", Provider);
        AssertAt(SingleError(set), 1, 3, "must be a mapping");
    }

    [Fact]
    public void Errors_in_folded_conditions_point_into_the_right_line()
    {
        var yaml = """
            - rule: r
              desc: d
              condition: >
                proc.name = a
                and proc.bogus = b
              output: o
              priority: INFO
              source: test
            """;
        AssertAt(SingleError(LoadYaml(yaml, Provider)), 5, 9, "unknown field 'proc.bogus'");
    }

    [Fact]
    public void Errors_in_appended_conditions_point_into_the_appending_file()
    {
        var set = LoadYamls([Provider], Rule("r", "proc.name = a"),
            "- rule: r\n  condition: and proc.bogus = b\n  override:\n    condition: append\n");
        var error = SingleError(set);
        Assert.Equal(("f2.yaml", 2, 18), (error.Location!.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void Errors_in_output_formats_are_reported()
    {
        var set = LoadYaml(Rule("r", "proc.name = a", output: "name=%proc.bogus"), Provider);
        AssertAt(SingleError(set), 4, 17, "unknown field 'proc.bogus'");
    }

    [Fact]
    public void Empty_items_and_documents_are_skipped_and_unknown_keys_warn()
    {
        var set = LoadYaml("-\n" + Rule("r", "proc.name = a") + "  colour: blue\n-\n", Provider);
        Assert.False(set.HasErrors);
        var warning = Assert.Single(set.Diagnostics);
        AssertAt(warning, 8, 3, "unknown key 'colour'");
        Assert.Equal("test.yaml:8:3: warning: unknown key 'colour' ignored (rule 'r')", warning.ToString());
        Assert.True(LoadOk("", Provider).Rules.Count == 0);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_not_just_the_first()
    {
        var set = LoadYaml(Rule("a", "proc.name = a and undefined_one") + Rule("b", "proc.name ~ b") + Rule("c", "proc.name = c"), Provider);
        Assert.Equal(2, set.Diagnostics.Count(d => d.IsError));
        Assert.NotNull(set.Find("c"));
    }
}
