using System.Text;

namespace FalcoHook.Core.Rules.Language;

/// <summary>
/// Prints a condition the way libsinsp's <c>as_string</c> does: every <c>and</c>/<c>or</c> in parentheses,
/// <c>not x</c>, values quoted only when they must be. Falco's loader tests compare compiled conditions in
/// this form, and so do ours.
/// </summary>
public static class AstPrinter
{
    public static string Print(Expr expr)
    {
        var sb = new StringBuilder();
        Write(sb, expr);
        return sb.ToString();
    }

    public static string Print(FieldExpr field)
    {
        var sb = new StringBuilder();
        Write(sb, field);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Expr expr)
    {
        // Iterative over long not-chains; and/or nesting is bounded by the parser's depth limit.
        while (expr is NotExpr not)
        {
            sb.Append("not ");
            expr = not.Operand;
        }
        switch (expr)
        {
            case AndExpr and: Join(sb, and.Children, " and "); break;
            case OrExpr or: Join(sb, or.Children, " or "); break;
            case MacroRefExpr macro: sb.Append(macro.Name); break;
            case CheckExpr check:
                Write(sb, check.Field);
                sb.Append(' ').Append(check.Operator);
                if (check.Value is not null)
                {
                    sb.Append(' ');
                    Write(sb, check.Value);
                }
                break;
        }
    }

    private static void Join(StringBuilder sb, IReadOnlyList<Expr> children, string separator)
    {
        sb.Append('(');
        for (var i = 0; i < children.Count; i++)
        {
            if (i > 0) sb.Append(separator);
            Write(sb, children[i]);
        }
        sb.Append(')');
    }

    private static void Write(StringBuilder sb, FieldExpr field)
    {
        switch (field)
        {
            case FieldRef f:
                sb.Append(f.Name);
                if (f.Argument is not null) sb.Append('[').Append(QuoteArgument(f.Argument)).Append(']');
                break;
            case TransformerRef t:
                sb.Append(t.Name).Append('(');
                Write(sb, t.Operand);
                sb.Append(')');
                break;
        }
    }

    private static void Write(StringBuilder sb, Operand operand)
    {
        switch (operand)
        {
            case StringOperand s: sb.Append(Quote(s.Value)); break;
            case ListOperand list:
                sb.Append('(');
                for (var i = 0; i < list.Items.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(Quote(list.Items[i].Value));
                }
                sb.Append(')');
                break;
            case FieldOperand f:
                if (f.Field is FieldRef) { sb.Append("val("); Write(sb, f.Field); sb.Append(')'); }
                else Write(sb, f.Field);
                break;
        }
    }

    /// <summary>The value as a condition would spell it: bare when it can be, else double-quoted with escapes.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && !Holds(value, "(),=\"'\\") ? value : Quoted(value);

    /// <summary>A field's argument as a condition would spell it: bare unless white space, a bracket or a quote would end it early.</summary>
    private static string QuoteArgument(string argument) => Holds(argument, "[]\"'") ? Quoted(argument) : argument;

    /// <summary>True when <paramref name="value"/> holds any white space (as the parser skips it) or any of <paramref name="specials"/>.</summary>
    private static bool Holds(string value, string specials)
    {
        foreach (var c in value)
            if (char.IsWhiteSpace(c) || specials.Contains(c)) return true;
        return false;
    }

    private static string Quoted(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
