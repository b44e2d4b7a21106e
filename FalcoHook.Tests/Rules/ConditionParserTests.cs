using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Tests.Rules;

public class ConditionParserTests
{
    [Theory]
    [InlineData("a.b = c and d.e = f and g.h = i", "(a.b = c and d.e = f and g.h = i)")]
    [InlineData("a.b = c or d.e = f and g.h = i", "(a.b = c or (d.e = f and g.h = i))")]
    [InlineData("not a.b = c", "not a.b = c")]
    [InlineData("not not a.b = c", "not not a.b = c")]
    [InlineData("not(a.b = c)", "not a.b = c")]
    [InlineData("((a.b=c))", "a.b = c")]
    [InlineData("a.b in (x, 'y z', \"w\")", "a.b in (x, \"y z\", w)")]
    [InlineData("a.b exists and my_macro", "(a.b exists and my_macro)")]
    [InlineData("a.b[x y] = 1", null)]
    [InlineData("a.b[\"x y\"] = 1", "a.b[\"x y\"] = 1")]
    [InlineData("a.b[/annotations/x~1y] exists", "a.b[/annotations/x~1y] exists")]
    [InlineData("tolower(a.b) = val(c.d)", "tolower(a.b) = val(c.d)")]
    [InlineData("a.b = toupper(c.d)", "a.b = toupper(c.d)")]
    [InlineData("a.b > -0x1F", "a.b > -0x1F")]
    [InlineData("a.b <= 1.5e3", "a.b <= 1.5e3")]
    [InlineData("a.b=c", "a.b = c")]
    [InlineData("a.b!=c", "a.b != c")]
    public void Conditions_print_like_libsinsp(string condition, string? printed)
    {
        if (printed is null)
        {
            Assert.Throws<ConditionSyntaxException>(() => ConditionParser.Parse(condition));
            return;
        }
        Assert.Equal(printed, AstPrinter.Print(ConditionParser.Parse(condition)));
    }

    [Theory]
    [InlineData("proc.name equals bash", 11, "unknown operator 'equals'")]
    [InlineData("proc.name", 10, "expected an operator")]
    [InlineData("(proc.name = bash", 1, "unbalanced parenthesis")]
    [InlineData("proc.name = bash)", 17, "unbalanced parenthesis")]
    [InlineData("proc.name in (a, b", 14, "never closed")]
    [InlineData("proc.name = 'abc", 13, "unterminated string")]
    [InlineData("proc.name = bash and", 21, "unexpected end")]
    [InlineData("proc.name in my_list", 14, "not a defined list")]
    [InlineData("proc.name < ", 13, "expected a value")]
    [InlineData("", 1, "empty")]
    [InlineData("proc.name = a b", 15, "unexpected 'b'")]
    public void Syntax_errors_report_the_column_in_the_expression(string condition, int column, string message)
    {
        var result = ConditionCompiler.Compile(condition, new TestFieldProvider());
        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message);
        Assert.Equal(("<condition>", 1, column), (error.Location!.File, error.Location.Line, error.Location.Column));
    }

    [Fact]
    public void Unknown_field_is_reported_at_its_column()
    {
        var result = ConditionCompiler.Compile("proc.name = a and proc.nope = b", new TestFieldProvider());
        var error = Assert.Single(result.Errors);
        Assert.Contains("unknown field 'proc.nope'", error.Message);
        Assert.Equal(19, error.Location!.Column);
    }

    [Theory]
    [InlineData("proc.name regex '(a'", "invalid regular expression")]
    [InlineData("proc.name bcontains xyz", "hex digits")]
    [InlineData("evt.num > abc", "not a number")]
    [InlineData("nomacro", "undefined macro 'nomacro'")]
    public void Bad_constants_are_compile_errors(string condition, string message)
    {
        var result = ConditionCompiler.Compile(condition, new TestFieldProvider());
        Assert.Contains(message, Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void A_ten_thousand_deep_parenthesis_nest_is_refused_at_the_first_level_too_deep()
    {
        var condition = new string('(', 10_000) + "proc.name = a" + new string(')', 10_000);
        var error = Assert.Single(ConditionCompiler.Compile(condition, new TestFieldProvider()).Errors);
        Assert.Contains("nests deeper than 1000", error.Message);
        // The parser stopped at the 1001st '(' (column 1001): the other 9,000 levels were never read.
        Assert.Equal(ConditionParser.MaxDepth + 1, error.Location!.Column);
    }

    [Fact]
    public void A_condition_longer_than_the_limit_is_refused_before_parsing()
    {
        var condition = "proc.name in (" + string.Join(",", Enumerable.Repeat("abcdefghi", ConditionParser.MaxLength / 10 + 1)) + ")";
        var error = Assert.Single(ConditionCompiler.Compile(condition, new TestFieldProvider()).Errors);
        Assert.Contains($"more than the {ConditionParser.MaxLength:N0} allowed", error.Message);
        Assert.Equal(1, error.Location!.Column);
    }

    [Fact]
    public void A_ten_thousand_long_not_chain_is_refused_quickly()
    {
        var condition = string.Concat(Enumerable.Repeat("not ", 10_000)) + "proc.name = a";
        var result = ConditionCompiler.Compile(condition, new TestFieldProvider());
        Assert.Contains("nests deeper than 1000", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_accepted()
    {
        var condition = new string('(', 900) + "proc.name = a" + new string(')', 900);
        Assert.True(ConditionCompiler.Compile(condition, new TestFieldProvider()).Success);
    }
}
