using FalcoHook.Core.Alerts;
using FalcoHook.Core.Rules.Engine;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>override (append/replace per key), the deprecated append: true, redefinition and the enabled-only form.</summary>
public class OverrideAndAppendTests
{
    private static readonly TestFieldProvider Provider = new();

    private const string Base = """
        - list: shells
          items: [bash]
        - macro: spawned
          condition: evt.type = execve
        - rule: r
          desc: base desc
          condition: spawned and proc.name in (shells)
          output: base output
          priority: WARNING
          source: test
          tags: [a]
          exceptions:
            - name: ex
              fields: [user.name]
              values: [[root]]
        - rule: other
          desc: other
          condition: proc.name = other
          output: other
          priority: DEBUG
          source: test
        """;

    private static Core.Rules.Engine.RuleSet Layer(string overlay)
    {
        var set = LoadYamls([Provider], Base, overlay);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return set;
    }

    [Fact]
    public void List_items_append_with_override_and_with_append_true()
    {
        var viaOverride = Layer("- list: shells\n  items: [zsh]\n  override:\n    items: append\n");
        var viaAppend = Layer("- list: shells\n  items: [zsh]\n  append: true\n");
        Assert.Contains("proc.name in (bash, zsh)", viaOverride.Find("r")!.Condition);
        Assert.Contains("proc.name in (bash, zsh)", viaAppend.Find("r")!.Condition);
    }

    [Fact]
    public void List_items_replace_with_override_and_by_redefinition()
    {
        Assert.Contains("proc.name in (zsh)", Layer("- list: shells\n  items: [zsh]\n  override:\n    items: replace\n").Find("r")!.Condition);
        Assert.Contains("proc.name in (zsh)", Layer("- list: shells\n  items: [zsh]\n").Find("r")!.Condition);
    }

    [Fact]
    public void Macro_condition_appends_with_a_space_and_replaces()
    {
        var appended = Layer("- macro: spawned\n  condition: or evt.type = clone\n  override:\n    condition: append\n");
        Assert.StartsWith("(((evt.type = execve or evt.type = clone) and", appended.Find("r")!.Condition);
        var legacy = Layer("- macro: spawned\n  condition: or evt.type = clone\n  append: true\n");
        Assert.Equal(appended.Find("r")!.Condition, legacy.Find("r")!.Condition);
        var replaced = Layer("- macro: spawned\n  condition: evt.type = clone\n  override:\n    condition: replace\n");
        Assert.StartsWith("((evt.type = clone and", replaced.Find("r")!.Condition);
    }

    [Fact]
    public void Rule_condition_output_desc_tags_and_exceptions_append()
    {
        var set = Layer("""
            - rule: r
              condition: and not user.name = admin
              output: (more)
              desc: and more
              tags: [b, a]
              exceptions:
                - name: ex
                  values: [[daemon]]
                - name: ex2
                  fields: proc.pname
                  values: [cron]
              override:
                condition: append
                output: append
                desc: append
                tags: append
                exceptions: append
            """);
        var rule = set.Find("r")!;
        Assert.Equal("((evt.type = execve and proc.name in (bash) and not user.name = admin) and not (user.name = root or user.name = daemon) and not proc.pname in (cron))",
            rule.Condition);
        Assert.Equal("base output (more)", rule.Output.Format);
        Assert.Equal("base desc and more", rule.Description);
        Assert.Equal(["a", "b"], rule.Tags);
    }

    [Fact]
    public void Rule_keys_replace()
    {
        var set = Layer("""
            - rule: r
              condition: proc.name = x
              output: new output
              desc: new desc
              priority: critical
              tags: [c]
              enabled: false
              exceptions: []
              override:
                condition: replace
                output: replace
                desc: replace
                priority: replace
                tags: replace
                enabled: replace
                exceptions: replace
            """);
        var rule = set.Find("r")!;
        Assert.Equal("proc.name = x", rule.Condition);
        Assert.Equal(("new output", "new desc", Priority.Critical, false), (rule.Output.Format, rule.Description, rule.Priority, rule.Enabled));
        Assert.Equal(["c"], rule.Tags);
    }

    [Fact]
    public void Rule_flags_replace()
    {
        var set = Layer("""
            - rule: r
              warn_evttypes: false
              skip-if-unknown-filter: true
              capture: true
              capture_duration: 500
              override:
                warn_evttypes: replace
                skip-if-unknown-filter: replace
                capture: replace
                capture_duration: replace
            """);
        Assert.Equal(new RuleOptions(false, true, true, 500), set.Find("r")!.Options);
        Assert.Equal(RuleOptions.Default, set.Find("other")!.Options);
    }

    [Fact]
    public void Deprecated_append_true_appends_a_rule_condition()
    {
        var set = Layer("- rule: r\n  condition: and not user.name = admin\n  append: true\n");
        Assert.Contains("and not user.name = admin", set.Find("r")!.Condition);
    }

    [Fact]
    public void Append_true_is_deprecated_and_appends_only_condition_and_exceptions()
    {
        var set = Layer("- rule: r\n  condition: and not user.name = admin\n  output: ignored\n  append: true\n");
        var rule = set.Find("r")!;
        Assert.Contains("and not user.name = admin", rule.Condition);
        Assert.Equal("base output", rule.Output.Format);
        Assert.Contains(set.Diagnostics, d => !d.IsError && d.Message.Contains("deprecated") && d.Location!.Line == 4);
        Assert.Contains(set.Diagnostics, d => !d.IsError && d.Message.Contains("'output' is ignored"));
    }

    [Fact]
    public void Append_true_on_lists_and_macros_warns_that_it_is_deprecated()
    {
        var set = Layer("- list: shells\n  items: [zsh]\n  append: true\n- macro: spawned\n  condition: or evt.type = clone\n  append: true\n");
        Assert.Equal([3, 6], set.Diagnostics.Where(d => d.Message.Contains("deprecated")).Select(d => d.Location!.Line));
    }

    [Fact]
    public void The_enabled_only_form_may_carry_other_keys()
    {
        var set = Layer("- rule: r\n  enabled: false\n  tags: [ignored]\n");
        Assert.False(set.Find("r")!.Enabled);
        Assert.Equal(["a"], set.Find("r")!.Tags);
    }

    [Fact]
    public void Redefining_a_rule_replaces_it_and_keeps_its_position()
    {
        var set = Layer(Rule("r", "proc.name = redefined"));
        Assert.Equal(["r", "other"], set.Rules.Select(r => r.Name));
        Assert.Equal("proc.name = redefined", set.Rules[0].Condition);
    }

    [Fact]
    public void Enabled_only_item_disables_a_rule_with_a_warning()
    {
        var set = Layer("- rule: r\n  enabled: false\n");
        Assert.False(set.Find("r")!.Enabled);
        var warning = Assert.Single(set.Diagnostics, d => !d.IsError);
        Assert.Contains("deprecated", warning.Message);
        Assert.Empty(set.Evaluate("test", Event(("evt.type", "execve"), ("proc.name", "bash"))));
    }

    [Theory]
    [InlineData("- list: nope\n  items: [x]\n  append: true\n", 1, 3, "no list by that name")]
    [InlineData("- list: nope\n  items: [x]\n  override:\n    items: append\n", 1, 3, "no list by that name")]
    [InlineData("- macro: nope\n  condition: x.y = 1\n  append: true\n", 1, 3, "no macro by that name")]
    [InlineData("- rule: nope\n  condition: x.y = 1\n  append: true\n", 1, 3, "no rule by that name")]
    [InlineData("- rule: nope\n  condition: x.y = 1\n  override:\n    condition: append\n", 1, 3, "no rule by that name")]
    [InlineData("- rule: nope\n  enabled: false\n", 1, 3, "no rule by that name")]
    [InlineData("- rule: r\n  tags: [x]\n", 1, 3, "neither a definition")]
    [InlineData("- macro: bad-name\n  condition: proc.name = a\n", 1, 10, "not an identifier")]
    [InlineData("- list: 1list\n  items: [a]\n", 1, 9, "not an identifier")]
    [InlineData("- rule: r\n  desc: more\n  append: true\n", 1, 3, "neither 'condition' nor 'exceptions'")]
    [InlineData("- rule: r\n  desc: d\n  condition: proc.name = a\n  output: o\n  priority: INFO\n  source: syscall\n", 1, 3, "redefined with a different source")]
    public void Appending_wrongly_is_an_error(string overlay, int line, int column, string message)
    {
        var set = LoadYamls([Provider], Base, overlay);
        var error = SingleError(set);
        AssertAt(error, line, column, message);
        Assert.Equal("f2.yaml", error.Location!.File);
    }

    [Theory]
    [InlineData("- rule: r\n  condition: a\n  override:\n    condition: append\n    condition: replace\n", 5, 5, "both appended and replaced")]
    [InlineData("- rule: r\n  condition: a\n  append: true\n  override:\n    condition: append\n", 3, 11, "cannot be used together")]
    [InlineData("- rule: r\n  priority: debug\n  override:\n    priority: append\n", 4, 5, "cannot be appended")]
    [InlineData("- rule: r\n  override:\n    condition: append\n", 3, 5, "has no 'condition' key")]
    [InlineData("- rule: r\n  condition: a\n  output: b\n  override:\n    condition: append\n", 3, 3, "not listed in 'override'")]
    [InlineData("- rule: r\n  condition: a\n  override:\n    condition: merge\n", 4, 16, "must be 'append' or 'replace'")]
    [InlineData("- list: shells\n  items: [x]\n  override:\n    items: prepend\n", 4, 12, "must be 'append' or 'replace'")]
    [InlineData("- rule: r\n  exceptions:\n    - name: ex\n      fields: [proc.name]\n      values: [[x]]\n  override:\n    exceptions: append\n", 3, 5, "may add values, not fields or comps")]
    public void Invalid_overrides_are_errors_at_their_position(string overlay, int line, int column, string message)
    {
        var set = LoadYamls([Provider], Base, overlay);
        AssertAt(SingleError(set), line, column, message);
    }
}
