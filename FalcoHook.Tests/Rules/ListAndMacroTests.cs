using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

public class ListAndMacroTests
{
    private static readonly TestFieldProvider Provider = new();

    private static string Compiled(string yaml, string rule = "r") => LoadOk(yaml, Provider).Find(rule)!.Condition;

    [Fact]
    public void A_list_is_substituted_into_the_condition()
    {
        var yaml = """
            - list: shells
              items: [bash, zsh]
            """ + "\n" + Rule("r", "proc.name in (shells)");
        Assert.Equal("proc.name in (bash, zsh)", Compiled(yaml));
    }

    [Fact]
    public void Nested_lists_are_flattened()
    {
        var yaml = """
            - list: a
              items: [x, y]
            - list: b
              items: [a, z]
            """ + "\n" + Rule("r", "proc.name in (b)");
        Assert.Equal("proc.name in (x, y, z)", Compiled(yaml));
    }

    [Fact]
    public void An_empty_list_removes_the_adjacent_comma()
    {
        var yaml = """
            - list: none
              items: []
            - list: some
              items: [a]
            """ + "\n" + Rule("r", "proc.name in (none, some) or proc.pname in (some, none) or user.name in (none)");
        Assert.Equal("(proc.name in (a) or proc.pname in (a) or user.name in ())", Compiled(yaml));
    }

    [Fact]
    public void List_items_with_spaces_are_quoted()
    {
        var yaml = """
            - list: cmds
              items: ["curl 127.0.0.1", plain, '"already quoted"']
            """ + "\n" + Rule("r", "proc.cmdline in (cmds)");
        var set = LoadOk(yaml, Provider);
        Assert.Equal("proc.cmdline in (\"curl 127.0.0.1\", plain, \"already quoted\")", set.Find("r")!.Condition);
    }

    [Fact]
    public void A_list_name_is_only_replaced_as_a_whole_word()
    {
        var yaml = """
            - list: sh
              items: [bash]
            """ + "\n" + Rule("r", "proc.name in (sh) and proc.pname = shx and proc.cmdline=sh");
        Assert.Equal("(proc.name in (bash) and proc.pname = shx and proc.cmdline = bash)", Compiled(yaml));
    }

    [Fact]
    public void A_list_after_in_without_parentheses_is_parenthesised()
    {
        var yaml = """
            - list: shells
              items: [bash, zsh]
            """ + "\n" + Rule("r", "proc.name in shells");
        Assert.Equal("proc.name in (bash, zsh)", Compiled(yaml));
    }

    [Fact]
    public void Macros_are_substituted_in_the_tree()
    {
        var yaml = """
            - macro: spawned
              condition: evt.type = execve
            - macro: shell_spawned
              condition: spawned and proc.name in (bash, zsh)
            """ + "\n" + Rule("r", "shell_spawned and not user.name = root");
        Assert.Equal("((evt.type = execve and proc.name in (bash, zsh)) and not user.name = root)", Compiled(yaml));
    }

    [Fact]
    public void A_macro_may_not_use_a_macro_defined_after_it()
    {
        var set = LoadYaml("""
            - macro: first
              condition: second or proc.name = a
            - macro: second
              condition: proc.name = b
            """, Provider);
        AssertAt(SingleError(set), 2, 14, "undefined macro 'second'");
        Assert.Equal("first", SingleError(set).ItemName);
    }

    [Fact]
    public void A_redefined_macro_sees_the_macros_defined_before_its_redefinition()
    {
        var first = "- macro: allowed\n  condition: proc.name = a\n" + Rule("r", "allowed");
        var second = "- macro: always_true\n  condition: proc.name exists\n- macro: allowed\n  condition: (always_true)\n";
        var set = LoadYamls([Provider], first, second);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        Assert.Equal("proc.name exists", set.Find("r")!.Condition);
    }

    [Fact]
    public void Macros_that_refer_to_each_other_through_redefinitions_are_an_error()
    {
        var set = LoadYamls([Provider], "- macro: a\n  condition: proc.name = a\n- macro: b\n  condition: a\n",
            "- macro: a\n  condition: b\n" + Rule("r", "a"));
        Assert.Contains(set.Diagnostics, d => d.IsError && d.Message.Contains("refers to itself"));
    }

    [Fact]
    public void A_macro_does_not_see_itself()
    {
        var set = LoadYaml("- macro: m\n  condition: m or proc.name = a\n", Provider);
        AssertAt(SingleError(set), 2, 14, "undefined macro 'm'");
    }

    [Fact]
    public void A_rule_may_use_any_macro_and_macro_redefinition_keeps_its_position()
    {
        var yaml = """
            - macro: m
              condition: proc.name = a
            - macro: uses_m
              condition: m
            - macro: m
              condition: proc.name = b
            """ + "\n" + Rule("r", "uses_m");
        Assert.Equal("proc.name = b", Compiled(yaml));
    }

    [Fact]
    public void A_rule_set_exposes_its_lists_macros_and_written_conditions()
    {
        var set = LoadOk("- list: a\n  items: [x]\n- list: b\n  items: [a, y]\n- macro: m\n  condition: proc.name in (b)\n" +
                         Rule("r", "m and user.name = root"), Provider);
        Assert.Equal(["a", "b"], set.ListNames);
        Assert.True(set.TryGetList("b", out var items));
        Assert.Equal(["x", "y"], items);
        Assert.False(set.TryGetList("nope", out _));
        Assert.True(set.TryGetMacro("m", out var condition));
        Assert.Equal("proc.name in (x, y)", condition);
        Assert.Equal("m and user.name = root", set.Find("r")!.SourceCondition);
        Assert.Equal("(proc.name in (x, y) and user.name = root)", set.Find("r")!.Condition);
    }

    [Fact]
    public void Unknown_macro_is_reported_at_its_line_and_column()
    {
        var set = LoadYaml(Rule("r", "proc.name = a and not_a_macro"), Provider);
        var error = SingleError(set);
        AssertAt(error, 3, 32, "undefined macro 'not_a_macro'");
        Assert.Equal(("rule", "r"), (error.ItemKind, error.ItemName));
    }

    [Fact]
    public void Errors_inside_a_macro_are_reported_in_the_macro()
    {
        var set = LoadYaml("""
            - macro: bad
              condition: proc.name = a and proc.nope = b
            """ + "\n" + Rule("r", "bad"), Provider);
        var error = SingleError(set);
        AssertAt(error, 2, 32, "unknown field 'proc.nope'");
    }

    [Fact]
    public void Macros_that_multiply_each_other_are_refused()
    {
        var yaml = "- macro: m0\n  condition: proc.name = a\n" + string.Concat(Enumerable.Range(1, 30)
            .Select(i => $"- macro: m{i}\n  condition: m{i - 1} or m{i - 1}\n")) + Rule("r", "m30");
        var set = LoadYaml(yaml, Provider);
        Assert.Contains("grows beyond", SingleError(set).Message);
    }
}
