using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>Exceptions compile to Falco's form (compared as libsinsp prints the condition).</summary>
public class ExceptionTests
{
    private static readonly TestFieldProvider Provider = new();

    private const string Head = """
        - rule: test_rule
          desc: test rule description
          condition: proc.cmdline contains curl or proc.cmdline contains wget
          output: command=%proc.cmdline
          priority: INFO
          source: test

        """;

    [Fact]
    public void Fields_list_form_compiles_like_falco()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: test_exception
                  fields: [proc.cmdline]
                  comps: [contains]
                  values:
                    - [curl 127.0.0.1]
            """, Provider);
        Assert.Equal("((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains \"curl 127.0.0.1\")",
            set.Find("test_rule")!.Condition);
    }

    [Fact]
    public void Fields_list_form_defaults_comps_to_equals_and_joins_tuples_with_or()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: known
                  fields: [proc.name, proc.pname]
                  values:
                    - [curl, cron]
                    - [wget, "my daemon"]
            """, Provider);
        Assert.Equal("((proc.cmdline contains curl or proc.cmdline contains wget) and not ((proc.name = curl and proc.pname = cron) or (proc.name = wget and proc.pname = \"my daemon\")))",
            set.Find("test_rule")!.Condition);
    }

    [Fact]
    public void List_operators_in_tuples_take_lists_and_list_names()
    {
        var set = LoadOk("""
            - list: trusted
              items: [cron, init]
            """ + "\n" + Head.TrimEnd() + """

              exceptions:
                - name: known
                  fields: [proc.name, proc.pname]
                  comps: [=, in]
                  values:
                    - [curl, trusted]
                    - [wget, [sshd, "my daemon"]]
            """, Provider);
        Assert.Equal("((proc.cmdline contains curl or proc.cmdline contains wget) and not ((proc.name = curl and proc.pname in (cron, init)) or (proc.name = wget and proc.pname in (sshd, \"my daemon\"))))",
            set.Find("test_rule")!.Condition);
    }

    [Fact]
    public void Single_field_form_defaults_comps_to_in()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: names
                  fields: proc.name
                  values: [curl, "my tool"]
            """, Provider);
        Assert.Equal("((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.name in (curl, \"my tool\"))",
            set.Find("test_rule")!.Condition);
    }

    [Fact]
    public void Single_field_form_accepts_pmatch()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: paths
                  fields: fd.name
                  comps: pmatch
                  values: [/tmp, /var/tmp]
            """, Provider);
        var rule = set.Find("test_rule")!;
        Assert.EndsWith("and not fd.name pmatch (/tmp, /var/tmp))", rule.Condition);
        Assert.Empty(set.Evaluate("test", Event(("proc.cmdline", "curl x"), ("fd.name", "/tmp/a"))));
        Assert.Single(set.Evaluate("test", Event(("proc.cmdline", "curl x"), ("fd.name", "/etc/a"))));
    }

    [Fact]
    public void An_exception_without_values_adds_nothing()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: later
                  fields: [proc.name]
            """, Provider);
        Assert.Equal("(proc.cmdline contains curl or proc.cmdline contains wget)", set.Find("test_rule")!.Condition);
    }

    [Fact]
    public void Exceptions_are_evaluated()
    {
        var set = LoadOk(Head.TrimEnd() + """

              exceptions:
                - name: local
                  fields: [proc.cmdline]
                  comps: [contains]
                  values: [[127.0.0.1]]
            """, Provider);
        Assert.Empty(set.Evaluate("test", Event(("proc.cmdline", "curl 127.0.0.1"))));
        Assert.Single(set.Evaluate("test", Event(("proc.cmdline", "curl example.com"))));
    }

    [Fact]
    public void An_unknown_exception_field_is_reported_at_the_exception()
    {
        var set = LoadYaml(Head.TrimEnd() + "\n  exceptions:\n    - name: bad\n      fields: [proc.bogus]\n      values: [[x]]\n", Provider);
        AssertAt(SingleError(set), 8, 7, "unknown field 'proc.bogus'");
    }

    [Theory]
    [InlineData("fields: [proc.name, proc.pname]\n      comps: [=]\n      values: []", 10, 14, "2 fields but 1 comps")]
    [InlineData("fields: proc.name\n      comps: contains\n      values: [a]", 10, 14, "must be in, pmatch or intersects")]
    [InlineData("fields: [proc.name, proc.pname]\n      values: [[a]]", 10, 16, "list of 2 item(s)")]
    [InlineData("fields: [proc.name]\n      comps: [exists]\n      values: [[a]]", 10, 14, "not a comparison operator")]
    public void Malformed_exceptions_are_errors_at_their_position(string body, int line, int column, string message)
    {
        var set = LoadYaml(Head.TrimEnd() + "\n  exceptions:\n    - name: bad\n      " + body + "\n", Provider);
        AssertAt(SingleError(set), line, column, message);
    }
}
