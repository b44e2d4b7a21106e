using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>
/// Turns a macro-free AST into <see cref="Node"/>s over the slots of one provider: every field is resolved
/// here (once), every constant is precompiled (sets, regexes, numbers, bytes). Problems are collected, not thrown.
/// </summary>
internal sealed class PredicateCompiler(SlotTable slots, List<CompileError> errors)
{
    public Node? Compile(Expr expr) => expr switch
    {
        AndExpr and => Combine(and.Children, c => new AndNode(c)),
        OrExpr or => Combine(or.Children, c => new OrNode(c)),
        NotExpr not => Compile(not.Operand) is { } operand ? new NotNode(operand) : null,
        CheckExpr check => CompileCheck(check),
        MacroRefExpr macro => Fail($"undefined macro '{macro.Name}'", macro.Pos),
        _ => null,
    };

    private Node? Combine(IReadOnlyList<Expr> children, Func<Node[], Node> create)
    {
        var nodes = new Node[children.Count];
        var ok = true;
        for (var i = 0; i < children.Count; i++)
        {
            var node = Compile(children[i]);
            if (node is null) ok = false;
            else nodes[i] = node;
        }
        return ok ? create(nodes) : null;
    }

    private Node? CompileCheck(CheckExpr check)
    {
        if (!TryResolve(check.Field, out var slot)) return null;
        var op = check.Operator;
        if (op == "exists") return new ExistsNode(slot);
        if (check.Value is FieldOperand fieldOperand)
            return TryResolve(fieldOperand.Field, out var rhsSlot) ? new FieldCompareNode(slot, op, rhsSlot) : null;
        if (Operators.ListOperators.Contains(op))
        {
            if (check.Value is not ListOperand list) return Fail($"'{op}' needs a list", check.OperatorPos);
            var items = list.Items.Select(i => i.Value);
            return op == "pmatch"
                ? new MatchNode(slot, new PathPrefixMatcher(items))
                : new SetNode(slot, new HashSet<string>(items, StringComparer.Ordinal), every: op == "in");
        }
        if (check.Value is not StringOperand value) return Fail($"'{op}' needs a value", check.OperatorPos);
        var matcher = CreateMatcher(op, value);
        return matcher is null ? null : new MatchNode(slot, matcher);
    }

    private Matcher? CreateMatcher(string op, StringOperand operand)
    {
        var rhs = operand.Value;
        switch (op)
        {
            case "=" or "==": return new EqualsMatcher(rhs);
            case "!=": return new NotEqualsMatcher(rhs);
            case "contains": return new ContainsMatcher(rhs, StringComparison.Ordinal);
            case "icontains": return new ContainsMatcher(rhs, StringComparison.OrdinalIgnoreCase);
            case "startswith": return new StartsWithMatcher(rhs);
            case "endswith": return new EndsWithMatcher(rhs);
            case "glob": return new GlobMatcher(rhs, false);
            case "iglob": return new GlobMatcher(rhs, true);
            case "bcontains" or "bstartswith":
                if (rhs.Length % 2 != 0 || !rhs.All(char.IsAsciiHexDigit))
                {
                    Fail($"'{op}' needs an even number of hex digits, got '{rhs}'", operand.Pos);
                    return null;
                }
                return new BytesMatcher(Convert.FromHexString(rhs), op == "bstartswith");
            case "regex":
                try
                {
                    return new RegexMatcher(RegexMatcher.Create(rhs));
                }
                catch (Exception e) when (e is ArgumentException or NotSupportedException)
                {
                    Fail($"invalid regular expression '{rhs}': {e.Message}", operand.Pos);
                    return null;
                }
            case "<" or "<=" or ">" or ">=":
                if (!Number.TryParse(rhs, out var number))
                {
                    Fail($"'{op}' compares numbers, but '{rhs}' is not a number", operand.Pos);
                    return null;
                }
                return new NumericMatcher(op, number);
        }
        Fail($"unknown operator '{op}'", operand.Pos);
        return null;
    }

    /// <summary>Resolves a field (and its transformers) to a slot, once per distinct spelling.</summary>
    public bool TryResolve(FieldExpr field, out int slot)
    {
        var key = AstPrinter.Print(field);
        if (slots.TryGet(key, out slot)) return true;
        switch (field)
        {
            case FieldRef f:
                if (!slots.Provider.TryResolve(f.Name, f.Argument, out var extractor, out var error))
                {
                    Fail(error, f.Pos);
                    return false;
                }
                slot = slots.GetOrAdd(key, extractor);
                return true;
            case TransformerRef t:
                if (!TryResolve(t.Operand, out var innerSlot)) return false;
                slot = slots.GetOrAdd(key, new TransformedExtractor(slots.Extractor(innerSlot), t.Name));
                return true;
        }
        return false;
    }

    private Node? Fail(string message, TextPos pos)
    {
        errors.Add(new CompileError(message, pos));
        return null;
    }
}
