using System.Runtime.CompilerServices;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>A macro-free condition with its depth and size after substitution.</summary>
internal sealed record ResolvedCondition(Expr Expr, int Depth, long Size);

/// <summary>
/// Substitutes macros in an AST. Macros are already resolved (each against the macros before it), so their
/// trees are plugged in as they are. Depth and size after substitution are bounded, so macros that nest or
/// multiply each other cannot make evaluation blow up. Size counts nodes and the items of list operands (what
/// compiling the condition allocates), so a macro over a long list cannot be repeated into a huge predicate.
/// </summary>
internal static class MacroResolver
{
    public const int MaxDepth = 3000;
    /// <summary>Nodes and list-operand items of one condition once macros are substituted.</summary>
    public const long MaxSize = 500_000;

    /// <summary>
    /// Resolves <paramref name="expr"/>. <paramref name="lookup"/> gives a macro's resolved condition, or null
    /// when the name is not a macro visible here. Returns null after adding errors, or without an error of its
    /// own when a macro it uses has errors (those are reported at the macro).
    /// </summary>
    public static ResolvedCondition? Resolve(Expr expr, Func<string, MacroLookup> lookup, List<CompileError> errors)
    {
        var before = errors.Count;
        var failed = new StrongBox<bool>();
        var result = Visit(expr, name =>
        {
            var found = lookup(name);
            if (found.Failed) failed.Value = true;
            return found;
        }, errors);
        if (errors.Count > before || failed.Value) return null;
        if (result.Depth > MaxDepth)
        {
            errors.Add(new CompileError($"the condition nests deeper than {MaxDepth} levels once macros are substituted", expr.Pos));
            return null;
        }
        if (result.Size > MaxSize)
        {
            errors.Add(new CompileError($"the condition grows beyond {MaxSize:N0} nodes once macros are substituted", expr.Pos));
            return null;
        }
        return result;
    }

    private static ResolvedCondition Visit(Expr expr, Func<string, MacroLookup> lookup, List<CompileError> errors)
    {
        switch (expr)
        {
            case MacroRefExpr macro:
            {
                var found = lookup(macro.Name);
                if (found.Condition is not null) return found.Condition;
                if (!found.Failed) errors.Add(new CompileError($"undefined macro '{macro.Name}'", macro.Pos));
                return new ResolvedCondition(expr, 1, 1);
            }
            case AndExpr and:
                return VisitAll(and.Children, lookup, errors, c => new AndExpr(c, and.Pos));
            case OrExpr or:
                return VisitAll(or.Children, lookup, errors, c => new OrExpr(c, or.Pos));
            case NotExpr not:
            {
                var operand = Visit(not.Operand, lookup, errors);
                return new ResolvedCondition(ReferenceEquals(operand.Expr, not.Operand) ? not : new NotExpr(operand.Expr, not.Pos),
                    operand.Depth + 1, operand.Size + 1);
            }
            case CheckExpr { Value: ListOperand list }:
                return new ResolvedCondition(expr, 1, 1 + list.Items.Count);
            default:
                return new ResolvedCondition(expr, 1, 1);
        }
    }

    private static ResolvedCondition VisitAll(IReadOnlyList<Expr> children, Func<string, MacroLookup> lookup,
        List<CompileError> errors, Func<Expr[], Expr> create)
    {
        var resolved = new Expr[children.Count];
        var depth = 0;
        long size = 1;
        var changed = false;
        for (var i = 0; i < children.Count; i++)
        {
            var child = Visit(children[i], lookup, errors);
            resolved[i] = child.Expr;
            changed |= !ReferenceEquals(child.Expr, children[i]);
            depth = Math.Max(depth, child.Depth);
            size += child.Size;
        }
        return new ResolvedCondition(changed ? create(resolved) : create(resolved), depth + 1, size);
    }
}

/// <summary>What a macro name resolves to: its condition, or nothing (with <see cref="Failed"/> when it exists but has errors).</summary>
internal readonly record struct MacroLookup(ResolvedCondition? Condition, bool Failed)
{
    public static MacroLookup NotFound => default;
}
