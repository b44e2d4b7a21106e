using System.Text;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>
/// Builds the text Falco adds to a rule's condition for its exceptions:
/// <c>(condition) and not (f1 c1 v1 and f2 c2 v2) ...</c>. With a list of fields each value tuple becomes
/// <c>(f1 c1 v1 and f2 c2 v2)</c>, tuples joined with <c>or</c>; with a single field the values form one
/// list: <c>(f in (v1, v2))</c>. Values with spaces are double-quoted; a scalar value of a list operator is
/// parenthesised (so it may name a list).
/// </summary>
internal static class ExceptionConditionBuilder
{
    /// <summary>The exception clauses (starting with <c>" and not "</c>), or an error message.</summary>
    public static string Build(IReadOnlyList<ExceptionDefinition> exceptions, out string? error)
    {
        error = null;
        var sb = new StringBuilder();
        foreach (var exception in exceptions)
        {
            if (exception.Values.Count == 0) continue;
            var clause = new StringBuilder();
            if (!exception.FieldsIsList)
            {
                var field = exception.Fields[0];
                var comp = exception.Comps.Count > 0 ? exception.Comps[0] : "in";
                clause.Append('(').Append(field).Append(' ').Append(comp).Append(" (");
                for (var i = 0; i < exception.Values.Count; i++)
                {
                    var value = exception.Values[i];
                    if (value.IsList)
                    {
                        error = $"exception '{exception.Name}' has a single field: its values must be plain strings";
                        return "";
                    }
                    if (i > 0) clause.Append(", ");
                    clause.Append(ListExpander.QuoteItem(value.Scalar!));
                }
                clause.Append("))");
            }
            else
            {
                clause.Append('(');
                for (var t = 0; t < exception.Values.Count; t++)
                {
                    var tuple = exception.Values[t];
                    if (!tuple.IsList || tuple.Items!.Count != exception.Fields.Count)
                    {
                        error = $"each value of exception '{exception.Name}' must be a list of {exception.Fields.Count} item(s), one per field";
                        return "";
                    }
                    if (t > 0) clause.Append(" or ");
                    clause.Append('(');
                    for (var k = 0; k < exception.Fields.Count; k++)
                    {
                        if (k > 0) clause.Append(" and ");
                        var comp = exception.Comps[k];
                        clause.Append(exception.Fields[k]).Append(' ').Append(comp).Append(' ');
                        clause.Append(FormatValue(tuple.Items[k], comp));
                    }
                    clause.Append(')');
                }
                clause.Append(')');
            }
            sb.Append(" and not ").Append(clause);
        }
        return sb.ToString();
    }

    private static string FormatValue(ExceptionValue value, string comp)
    {
        if (value.IsList)
            return "(" + string.Join(", ", value.Items!.Select(v => ListExpander.QuoteItem(v.Scalar ?? ""))) + ")";
        var scalar = value.Scalar!;
        if (comp is "in" or "intersects" or "pmatch")
            return scalar.StartsWith('(') ? scalar : "(" + scalar + ")";
        return ListExpander.QuoteItem(scalar);
    }
}
