using FalcoHook.Core.Fields;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>A compiled condition node. Evaluation is virtual calls over slots: no closures, no allocation.</summary>
internal abstract class Node
{
    public abstract bool Eval(EvaluationContext ctx);
}

internal sealed class AndNode(Node[] children) : Node
{
    public Node[] Children => children;

    public override bool Eval(EvaluationContext ctx)
    {
        foreach (var child in children) if (!child.Eval(ctx)) return false;
        return true;
    }
}

internal sealed class OrNode(Node[] children) : Node
{
    public Node[] Children => children;

    public override bool Eval(EvaluationContext ctx)
    {
        foreach (var child in children) if (child.Eval(ctx)) return true;
        return false;
    }
}

internal sealed class NotNode(Node operand) : Node
{
    public override bool Eval(EvaluationContext ctx) => !operand.Eval(ctx);
}

/// <summary><c>exists</c>: the field has a value (an empty list counts as none).</summary>
internal sealed class ExistsNode(int slot) : Node
{
    public override bool Eval(EvaluationContext ctx) => ctx.Get(slot).Count > 0;
}

/// <summary>
/// <c>in</c> and <c>intersects</c> against a constant set. On a single value both mean membership; on a list,
/// <c>in</c> needs every value in the set and <c>intersects</c> at least one.
/// </summary>
internal sealed class SetNode(int slot, HashSet<string> set, bool every) : Node
{
    public int Slot => slot;
    public HashSet<string> Set => set;

    public override bool Eval(EvaluationContext ctx)
    {
        var value = ctx.Get(slot);
        if (value.Single is { } single) return set.Contains(single);
        if (value.List is not { Length: > 0 } list) return false;
        if (every)
        {
            foreach (var item in list) if (!set.Contains(item)) return false;
            return true;
        }
        foreach (var item in list) if (set.Contains(item)) return true;
        return false;
    }
}

/// <summary>Any other operator: true when some value matches (a missing value never does, <c>!=</c> included).</summary>
internal sealed class MatchNode(int slot, Matcher matcher) : Node
{
    public int Slot => slot;
    public Matcher Matcher => matcher;

    public override bool Eval(EvaluationContext ctx)
    {
        var value = ctx.Get(slot);
        if (value.Single is { } single) return matcher.Match(single);
        if (value.List is { } list)
        {
            foreach (var item in list) if (matcher.Match(item)) return true;
        }
        return false;
    }
}

/// <summary>A comparison whose right side is another field (<c>val(f)</c> or a transformer).</summary>
internal sealed class FieldCompareNode(int slot, string op, int rhsSlot) : Node
{
    public override bool Eval(EvaluationContext ctx)
    {
        var left = ctx.Get(slot);
        if (left.Count == 0) return false;
        var right = ctx.Get(rhsSlot);
        if (right.Count == 0) return false;
        if (op is "in" or "intersects")
        {
            var every = op == "in" && left.IsList;
            for (var i = 0; i < left.Count; i++)
            {
                var found = Contains(right, left[i]);
                if (every && !found) return false;
                if (!every && found) return true;
            }
            return every;
        }
        for (var i = 0; i < left.Count; i++)
            for (var j = 0; j < right.Count; j++)
                if (Compare(left[i], right[j])) return true;
        return false;
    }

    private static bool Contains(FieldValue set, string value)
    {
        for (var i = 0; i < set.Count; i++) if (set[i] == value) return true;
        return false;
    }

    private bool Compare(string l, string r) => op switch
    {
        "=" or "==" => l == r,
        "!=" => l != r,
        "contains" => l.Contains(r, StringComparison.Ordinal),
        "icontains" => l.Contains(r, StringComparison.OrdinalIgnoreCase),
        "startswith" => l.StartsWith(r, StringComparison.Ordinal),
        "endswith" => l.EndsWith(r, StringComparison.Ordinal),
        "glob" => Glob.IsMatch(r, l, false),
        "iglob" => Glob.IsMatch(r, l, true),
        "pmatch" => new PathPrefixMatcher([r]).Match(l),
        "<" or "<=" or ">" or ">=" => Number.TryParse(l, out var a) && Number.TryParse(r, out var b) && Number.Compare(op, a, b),
        _ => false,
    };
}
