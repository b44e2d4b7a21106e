namespace FalcoHook.Core.Rules.Language;

/// <summary>Maps an offset in a parsed condition back to a file position.</summary>
public interface ITextOrigin
{
    SourceLocation Locate(int offset);
}

/// <summary>Where a node came from: the text it was parsed from and the offset in it.</summary>
public readonly record struct TextPos(ITextOrigin? Origin, int Offset)
{
    public SourceLocation Locate() => Origin?.Locate(Offset) ?? new SourceLocation("<condition>", 1, Offset + 1);
}

/// <summary>A condition. Nodes are immutable; macro substitution shares subtrees.</summary>
public abstract class Expr(TextPos pos)
{
    public TextPos Pos { get; } = pos;
    public override string ToString() => AstPrinter.Print(this);
}

public sealed class AndExpr(IReadOnlyList<Expr> children, TextPos pos) : Expr(pos)
{
    public IReadOnlyList<Expr> Children { get; } = children;
}

public sealed class OrExpr(IReadOnlyList<Expr> children, TextPos pos) : Expr(pos)
{
    public IReadOnlyList<Expr> Children { get; } = children;
}

public sealed class NotExpr(Expr operand, TextPos pos) : Expr(pos)
{
    public Expr Operand { get; } = operand;
}

/// <summary>A bare identifier: a macro reference, replaced by the macro's condition when resolved.</summary>
public sealed class MacroRefExpr(string name, TextPos pos) : Expr(pos)
{
    public string Name { get; } = name;
}

/// <summary><c>field op value</c>, <c>field exists</c>.</summary>
public sealed class CheckExpr(FieldExpr field, string op, Operand? value, TextPos pos, TextPos operatorPos) : Expr(pos)
{
    public FieldExpr Field { get; } = field;
    public string Operator { get; } = op;
    public Operand? Value { get; } = value;
    public TextPos OperatorPos { get; } = operatorPos;
}

/// <summary>The left side of a check, or a field on the right: a field or a transformer applied to one.</summary>
public abstract class FieldExpr(TextPos pos)
{
    public TextPos Pos { get; } = pos;
    public override string ToString() => AstPrinter.Print(this);
}

public sealed class FieldRef(string name, string? argument, TextPos pos) : FieldExpr(pos)
{
    public string Name { get; } = name;
    public string? Argument { get; } = argument;
}

public sealed class TransformerRef(string name, FieldExpr operand, TextPos pos) : FieldExpr(pos)
{
    public string Name { get; } = name;
    public FieldExpr Operand { get; } = operand;
}

/// <summary>The right side of a check.</summary>
public abstract class Operand(TextPos pos)
{
    public TextPos Pos { get; } = pos;
}

public sealed class StringOperand(string value, TextPos pos) : Operand(pos)
{
    public string Value { get; } = value;
}

public sealed class ListOperand(IReadOnlyList<StringOperand> items, TextPos pos) : Operand(pos)
{
    public IReadOnlyList<StringOperand> Items { get; } = items;
}

/// <summary><c>val(field)</c> or a transformer: the right side is another field of the same event.</summary>
public sealed class FieldOperand(FieldExpr field, TextPos pos) : Operand(pos)
{
    public FieldExpr Field { get; } = field;
}

/// <summary>The operators and transformers of the language.</summary>
public static class Operators
{
    public static readonly HashSet<string> Unary = new(StringComparer.Ordinal) { "exists" };
    public static readonly HashSet<string> ListOperators = new(StringComparer.Ordinal) { "in", "intersects", "pmatch" };
    public static readonly HashSet<string> Numeric = new(StringComparer.Ordinal) { "<", "<=", ">", ">=" };
    public static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex",
        "in", "intersects", "pmatch", "exists",
    };
    public static readonly HashSet<string> Transformers = new(StringComparer.Ordinal) { "tolower", "toupper", "b64", "basename", "len" };

    /// <summary>Every binary operator (all but <c>exists</c>): what an exception's <c>comps</c> may use.</summary>
    public static bool IsBinary(string op) =>
        op is "=" or "==" or "!=" || Numeric.Contains(op) || (Words.Contains(op) && op != "exists");
}
