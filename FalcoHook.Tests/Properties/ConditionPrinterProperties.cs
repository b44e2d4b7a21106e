using CsCheck;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Tests.Properties;

/// <summary>
/// <see cref="AstPrinter"/> and <see cref="ConditionParser"/> agree: a condition printed and parsed again prints the
/// same, so the printed form (what the API shows for a compiled macro) is itself a condition meaning the same.
/// </summary>
public sealed class ConditionPrinterProperties
{
    private static readonly TextPos At = new(null, 0);

    private static readonly string[] FieldNames =
        ["ka.verb", "ka.user.name", "ka.target.name", "ka.req.pod.containers.image", "evt.type", "proc.name", "falco.rule", "fd.name"];

    private static readonly string[] ComparisonOperators =
        ["=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith",
         "glob", "iglob", "regex"];

    private static readonly string[] ListOperators = ["in", "intersects", "pmatch"];

    /// <summary>White space the parser skips beyond space, tab, CR and LF: vertical tab, form feed, NEL, no-break space, line separator.</summary>
    private const string OtherWhiteSpace = "\v\f\u0085\u00A0\u2028";

    /// <summary>
    /// Values: bare words, text with the characters that force quoting (white space of every kind, parentheses,
    /// quotes, backslashes), and any valid text.
    /// </summary>
    private static readonly Gen<string> Value = Gen.Frequency(
        (3, Gen.Char["abcxyz019_.-/*:"].Array[1, 8].Select(c => new string(c))),
        (2, Gen.Char[" \t()=,'\"\\abc<>!" + OtherWhiteSpace].Array[0, 8].Select(c => new string(c))),
        (1, Generators.Text(6)));

    private static readonly Gen<FieldExpr> Field = Gen.Recursive<FieldExpr>((depth, self) => depth >= 2
        ? PlainField
        : Gen.Frequency(
            (4, PlainField),
            (1, Gen.Select(Gen.OneOf("tolower", "toupper", "b64", "basename", "len"), self,
                (name, inner) => (FieldExpr)new TransformerRef(name, inner, At)))));

    /// <summary>A field, sometimes with an argument: a bare word, or one holding brackets, quotes or white space.</summary>
    private static Gen<FieldExpr> PlainField => Gen.Select(Gen.OneOf(FieldNames),
        Gen.Frequency((3, Gen.Const((string?)null)),
            (1, Gen.Char["abc019_/-"].Array[1, 6].Select(c => (string?)new string(c))),
            (1, Gen.Char["ab[]\"'\\ \t" + OtherWhiteSpace].Array[0, 6].Select(c => (string?)new string(c)))),
        (name, argument) => (FieldExpr)new FieldRef(name, argument, At));

    private static readonly Gen<Expr> Check = Gen.Frequency(
        (4, Gen.Select(Field, Gen.OneOf(ComparisonOperators), Value,
            (f, op, v) => (Expr)new CheckExpr(f, op, new StringOperand(v, At), At, At))),
        (2, Gen.Select(Field, Gen.OneOf(ListOperators), Value.Array[0, 4],
            (f, op, items) => (Expr)new CheckExpr(f, op, new ListOperand(items.Select(i => new StringOperand(i, At)).ToList(), At), At, At))),
        (1, Gen.Select(Field, Gen.OneOf("=", "!=", "in"), Field,
            (f, op, other) => (Expr)new CheckExpr(f, op, new FieldOperand(other, At), At, At))),
        (1, Field.Select(f => (Expr)new CheckExpr(f, "exists", null, At, At))),
        (1, Gen.OneOf("my_macro", "is_exec", "m2").Select(name => (Expr)new MacroRefExpr(name, At))));

    private static readonly Gen<Expr> Condition = Gen.Recursive<Expr>((depth, self) => depth >= 4
        ? Check
        : Gen.Frequency(
            (4, Check),
            (1, self.Array[2, 3].Select(c => (Expr)new AndExpr(c, At))),
            (1, self.Array[2, 3].Select(c => (Expr)new OrExpr(c, At))),
            (1, self.Select(e => (Expr)new NotExpr(e, At)))));

    [Fact]
    public void A_printed_condition_parses_to_one_that_prints_the_same()
    {
        Condition.Sample(expr =>
        {
            var printed = AstPrinter.Print(expr);
            Assert.Equal(printed, AstPrinter.Print(ConditionParser.Parse(printed)));
        }, iter: Generators.Iterations, threads: 1, print: AstPrinter.Print);
    }
}
