using FalcoHook.Core.Rules.Engine;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

/// <summary>Every operator and transformer, missing fields and list-valued fields, on a dictionary-backed source.</summary>
public class ConditionEvaluationTests
{
    private static readonly TestFieldProvider Provider = new();

    private static bool Eval(string condition, params (string, object?)[] fields)
    {
        var result = ConditionCompiler.Compile(condition, Provider);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Condition!.Matches(Event(fields));
    }

    [Theory]
    [InlineData("proc.name = bash", "bash", true)]
    [InlineData("proc.name == bash", "bash", true)]
    [InlineData("proc.name = bash", "Bash", false)]
    [InlineData("proc.name != bash", "zsh", true)]
    [InlineData("proc.name != bash", "bash", false)]
    [InlineData("proc.name contains as", "bash", true)]
    [InlineData("proc.name contains AS", "bash", false)]
    [InlineData("proc.name icontains AS", "bash", true)]
    [InlineData("proc.name startswith ba", "bash", true)]
    [InlineData("proc.name startswith sh", "bash", false)]
    [InlineData("proc.name endswith sh", "bash", true)]
    [InlineData("proc.name endswith ba", "bash", false)]
    [InlineData("proc.name bcontains 6173", "bash", true)]
    [InlineData("proc.name bcontains 7a7a", "bash", false)]
    [InlineData("proc.name bstartswith 6261", "bash", true)]
    [InlineData("proc.name bstartswith 6173", "bash", false)]
    [InlineData("proc.name glob 'b*h'", "bash", true)]
    [InlineData("proc.name glob 'b?sh'", "bash", true)]
    [InlineData("proc.name glob '[a-c]ash'", "bash", true)]
    [InlineData("proc.name glob '[!b]ash'", "bash", false)]
    [InlineData("proc.name glob 'B*'", "bash", false)]
    [InlineData("proc.name iglob 'B*H'", "bash", true)]
    [InlineData("fd.name glob '/etc/*'", "/etc/ssl/certs", true)]
    [InlineData("proc.name regex 'ba.h'", "bash", true)]
    [InlineData("proc.name regex 'as'", "bash", false)] // libsinsp uses RE2 full match: the whole value must match
    [InlineData("proc.name regex '.*as.*'", "bash", true)]
    [InlineData("proc.name in (sh, bash, zsh)", "bash", true)]
    [InlineData("proc.name in (sh, zsh)", "bash", false)]
    [InlineData("proc.name in ()", "bash", false)]
    [InlineData("proc.name intersects (bash, x)", "bash", true)]
    [InlineData("fd.name pmatch (/etc, /usr/lib)", "/etc/passwd", true)]
    [InlineData("fd.name pmatch (/etc)", "/etc", true)]
    [InlineData("fd.name pmatch (/etc)", "/etcfoo/passwd", false)]
    [InlineData("fd.name pmatch (/usr/*/python)", "/usr/lib/python/site.py", true)]
    [InlineData("proc.name exists", "bash", true)]
    public void Operator_compares_a_single_value(string condition, string value, bool expected)
    {
        var field = condition.Split(' ')[0];
        Assert.Equal(expected, Eval(condition, (field, value)));
    }

    [Theory]
    [InlineData("evt.num < 10", "9", true)]
    [InlineData("evt.num < 10", "10", false)]
    [InlineData("evt.num <= 10", "10", true)]
    [InlineData("evt.num > 10", "100", true)] // numeric, not "100" < "10" as text
    [InlineData("evt.num >= 400", "404", true)]
    [InlineData("evt.num >= 400", "399", false)]
    [InlineData("evt.num > -5", "-1", true)]
    [InlineData("evt.num > 0x10", "17", true)]
    [InlineData("evt.num < 1.5", "1.25", true)]
    [InlineData("evt.num > 10", "not-a-number", false)]
    public void Numeric_operators_compare_the_text_as_a_number(string condition, string value, bool expected) =>
        Assert.Equal(expected, Eval(condition, ("evt.num", value)));

    [Theory]
    [InlineData("proc.name = bash")]
    [InlineData("proc.name != bash")]
    [InlineData("proc.name contains b")]
    [InlineData("proc.name in (bash)")]
    [InlineData("proc.name glob '*'")]
    [InlineData("proc.name regex '.*'")]
    [InlineData("evt.num > 0")]
    [InlineData("proc.name exists")]
    [InlineData("tolower(proc.name) = bash")]
    public void Every_comparison_on_a_missing_field_is_false(string condition) =>
        Assert.False(Eval(condition));

    [Fact]
    public void Not_of_a_comparison_on_a_missing_field_is_true() =>
        Assert.True(Eval("not ka.user.name in (admin)"));

    [Theory]
    [InlineData("ka.req.pod.containers.image in (nginx, redis)", true)]
    [InlineData("ka.req.pod.containers.image in (nginx)", false)] // in: every value must be in the set
    [InlineData("ka.req.pod.containers.image intersects (redis, x)", true)] // intersects: at least one
    [InlineData("ka.req.pod.containers.image intersects (x)", false)]
    [InlineData("ka.req.pod.containers.image = redis", true)] // other operators: any value
    [InlineData("ka.req.pod.containers.image startswith ngi", true)]
    [InlineData("ka.req.pod.containers.image != nginx", true)]
    [InlineData("ka.req.pod.containers.image exists", true)]
    [InlineData("ka.req.pod.containers.image[1] = redis", true)] // an index argument selects one value
    [InlineData("ka.req.pod.containers.image[1] = nginx", false)]
    public void List_valued_fields_follow_Falco_semantics(string condition, bool expected)
    {
        Assert.Equal(expected, Eval(condition,
            ("ka.req.pod.containers.image", new[] { "nginx", "redis" }),
            ("ka.req.pod.containers.image[1]", "redis")));
    }

    [Fact]
    public void An_empty_list_value_has_no_value() =>
        Assert.False(Eval("ka.req.pod.containers.image in (nginx)", ("ka.req.pod.containers.image", Array.Empty<string>())));

    [Theory]
    [InlineData("tolower(proc.name) = bash", "BaSh", true)]
    [InlineData("toupper(proc.name) = BASH", "bash", true)]
    [InlineData("b64(proc.cmdline) = 'hello world'", "aGVsbG8gd29ybGQ=", true)]
    [InlineData("b64(proc.cmdline) exists", "not base64!", false)]
    [InlineData("basename(proc.cmdline) = ls", "/usr/bin/ls", true)]
    [InlineData("len(proc.cmdline) = 11", "/usr/bin/ls", true)]
    [InlineData("len(proc.cmdline) > 5", "/usr/bin/ls", true)]
    [InlineData("tolower(basename(proc.cmdline)) = ls", "/USR/BIN/LS", true)]
    public void Transformers_apply_before_comparing(string condition, string value, bool expected)
    {
        var field = condition.Contains("proc.name") ? "proc.name" : "proc.cmdline";
        Assert.Equal(expected, Eval(condition, (field, value)));
    }

    [Fact]
    public void A_pathological_regex_runs_on_the_linear_time_engine()
    {
        // NonBacktracking matches in time linear in the input whatever the pattern: the bound is the engine's, not a clock's.
        var regex = Core.Rules.Compilation.RegexMatcher.Create("(a+)+$");
        Assert.True(regex.Options.HasFlag(System.Text.RegularExpressions.RegexOptions.NonBacktracking), regex.Options.ToString());
        Assert.Equal(System.Text.RegularExpressions.Regex.InfiniteMatchTimeout, regex.MatchTimeout);
        var value = new string('a', 50_000) + "!";
        Assert.False(Eval("proc.cmdline regex '(a+)+$'", ("proc.cmdline", value)));
        Assert.True(Eval("proc.cmdline regex '(a+)+'", ("proc.cmdline", new string('a', 50_000))));
    }

    [Fact]
    public void Len_of_a_list_field_counts_its_values() =>
        Assert.True(Eval("len(ka.req.pod.containers.image) = 2", ("ka.req.pod.containers.image", new[] { "a", "b" })));

    [Theory]
    [InlineData("proc.name = val(proc.pname)", "bash", "bash", true)]
    [InlineData("proc.name = val(proc.pname)", "bash", "sshd", false)]
    [InlineData("proc.name != val(proc.pname)", "bash", "sshd", true)]
    [InlineData("proc.name startswith val(proc.pname)", "bash", "ba", true)]
    [InlineData("tolower(proc.name) = tolower(proc.pname)", "BASH", "bash", true)]
    public void Val_compares_with_another_field(string condition, string name, string pname, bool expected) =>
        Assert.Equal(expected, Eval(condition, ("proc.name", name), ("proc.pname", pname)));

    [Fact]
    public void Val_of_a_missing_field_is_false() => Assert.False(Eval("proc.name != val(proc.pname)", ("proc.name", "bash")));

    [Theory]
    [InlineData("proc.name = bash and proc.pname = sshd", true)]
    [InlineData("proc.name = bash and proc.pname = x", false)]
    [InlineData("proc.name = x or proc.pname = sshd", true)]
    [InlineData("not proc.name = x", true)]
    [InlineData("not not proc.name = bash", true)]
    [InlineData("not(proc.name = bash)", false)]
    [InlineData("proc.name = x or proc.name = bash and proc.pname = x", false)] // and binds tighter than or
    [InlineData("(proc.name = x or proc.name = bash) and proc.pname = sshd", true)]
    [InlineData("not proc.name = x and proc.pname = sshd", true)] // not binds tighter than and
    public void Boolean_operators_have_Falco_precedence(string condition, bool expected) =>
        Assert.Equal(expected, Eval(condition, ("proc.name", "bash"), ("proc.pname", "sshd")));

    [Theory]
    [InlineData("ka.uri.param[command] = ls", "ka.uri.param[command]", true)]
    [InlineData("ka.uri.param[\"command\"] = ls", "ka.uri.param[command]", true)]
    [InlineData("proc.aname[2] = init", "proc.aname[2]", true)]
    public void Field_arguments_may_be_bare_or_quoted(string condition, string key, bool expected) =>
        Assert.Equal(expected, Eval(condition, (key, condition.EndsWith("ls") ? "ls" : "init")));

    [Theory]
    [InlineData("proc.cmdline = \"a \\\"quoted\\\" word\"", "a \"quoted\" word")]
    [InlineData("proc.cmdline = 'single quoted'", "single quoted")]
    [InlineData("proc.cmdline = \"back\\\\slash\"", "back\\slash")]
    [InlineData("proc.cmdline = /bare/path-with.dots", "/bare/path-with.dots")]
    public void String_values_may_be_quoted_or_bare(string condition, string value) =>
        Assert.True(Eval(condition, ("proc.cmdline", value)));

    [Fact]
    public void Each_field_is_extracted_once_per_event()
    {
        var provider = new TestFieldProvider();
        var condition = ConditionCompiler.Compile(
            "proc.name = a or proc.name = b or proc.name in (c, d) or proc.name startswith e", provider).Condition!;
        Assert.False(condition.Matches(Event(("proc.name", "z"))));
        Assert.Equal(1, provider.Extractions);
        Assert.False(condition.Matches(Event(("proc.name", "y"))));
        Assert.Equal(2, provider.Extractions);
    }
}
