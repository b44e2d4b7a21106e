using FalcoHook.Core.Alerts;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Tests.Fuzz;

/// <summary>
/// What the property tests (FalcoHook.Tests/Properties) found, as plain cases: RFC 3339's lower-case <c>z</c> was
/// refused, and printed conditions with unusual white space or field arguments did not parse back.
/// </summary>
public sealed class PropertyFindingsTests
{
    [Theory]
    [InlineData("2024-05-01T12:00:00z", "2024-05-01T12:00:00.000000000Z")]
    [InlineData("2024-05-01t12:00:00z", "2024-05-01T12:00:00.000000000Z")]
    [InlineData("2024-05-01 12:00:00.5z", "2024-05-01T12:00:00.500000000Z")]
    [InlineData("2024-05-01T12:00:00.123456789z", "2024-05-01T12:00:00.123456789Z")]
    public void A_lower_case_z_is_utc(string text, string expected)
    {
        Assert.True(FalcoTime.TryParse(text, out var time), text);
        Assert.Equal(expected, time.ToString());
    }

    [Theory]
    [InlineData("2024-05-01T12:00:00y")]
    [InlineData("2024-05-01T12:00:00")]
    [InlineData("2024-05-01T12:00:00zz")]
    [InlineData("9999-12-31T23:59:59z")]
    public void Other_endings_and_times_out_of_range_are_still_refused(string text) =>
        Assert.False(FalcoTime.TryParse(text, out _), text);

    [Fact]
    public void An_alert_with_a_lower_case_z_is_read()
    {
        var read = AlertReader.ReadJson("""{"rule":"r","priority":"Notice","time":"2024-05-01T12:00:00.5z"}"""u8);
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        Assert.Equal("2024-05-01T12:00:00.500000000Z", Assert.Single(read.Alerts).Time.ToString());
    }

    private static readonly TextPos At = new(null, 0);

    private static string PrintCheck(FieldExpr field, string value) =>
        AstPrinter.Print(new CheckExpr(field, "=", new StringOperand(value, At), At, At));

    [Theory]
    [InlineData("x\u00A0y", "a.b = \"x\u00A0y\"")]   // no-break space
    [InlineData("x\u2028y", "a.b = \"x\u2028y\"")]   // line separator
    [InlineData("x\vy", "a.b = \"x\vy\"")]            // vertical tab
    [InlineData("\u0085", "a.b = \"\u0085\"")]        // next line
    [InlineData("x y", "a.b = \"x y\"")]
    [InlineData("xy", "a.b = xy")]
    public void A_value_holding_any_white_space_is_quoted_and_parses_back(string value, string printed)
    {
        Assert.Equal(printed, PrintCheck(new FieldRef("a.b", null, At), value));
        var check = Assert.IsType<CheckExpr>(ConditionParser.Parse(printed));
        Assert.Equal(value, Assert.IsType<StringOperand>(check.Value).Value);
    }

    [Theory]
    [InlineData("x y", "fd.name[\"x y\"] = v")]
    [InlineData("a]b", "fd.name[\"a]b\"] = v")]
    [InlineData("a[b", "fd.name[\"a[b\"] = v")]
    [InlineData("it's", "fd.name[\"it's\"] = v")]
    [InlineData("say \"hi\"", "fd.name[\"say \\\"hi\\\"\"] = v")]
    [InlineData("a\u00A0b", "fd.name[\"a\u00A0b\"] = v")]
    [InlineData("/etc/passwd", "fd.name[/etc/passwd] = v")]
    [InlineData("", "fd.name[] = v")]
    public void A_field_argument_that_would_end_early_is_quoted_and_parses_back(string argument, string printed)
    {
        Assert.Equal(printed, PrintCheck(new FieldRef("fd.name", argument, At), "v"));
        var check = Assert.IsType<CheckExpr>(ConditionParser.Parse(printed));
        Assert.Equal(argument, Assert.IsType<FieldRef>(check.Field).Argument);
        Assert.Equal(printed, AstPrinter.Print(check));
    }

    [Theory]
    [InlineData("fd.name['a]b'] exists", "fd.name[\"a]b\"] exists")]
    [InlineData("ka.req.pod.volumes.hostpath[\"/var/run/docker.sock\"] = true", "ka.req.pod.volumes.hostpath[/var/run/docker.sock] = true")]
    [InlineData("(a.b = 'x\u00A0y' and not c.d[\"k 1\"] in (p, 'q r'))", "(a.b = \"x\u00A0y\" and not c.d[\"k 1\"] in (p, \"q r\"))")]
    public void A_parsed_condition_prints_in_a_form_that_parses_to_the_same(string condition, string printed)
    {
        Assert.Equal(printed, AstPrinter.Print(ConditionParser.Parse(condition)));
        Assert.Equal(printed, AstPrinter.Print(ConditionParser.Parse(printed)));
    }
}
