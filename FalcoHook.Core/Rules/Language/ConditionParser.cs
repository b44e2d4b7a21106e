using System.Text;

namespace FalcoHook.Core.Rules.Language;

/// <summary>
/// Recursive-descent parser for Falco conditions (the grammar of libsinsp's parser.h). Nesting of parentheses
/// and transformers is limited to <see cref="MaxDepth"/> (Falco's limit for rules), so deep input is refused
/// with an error instead of overflowing the stack; <c>not</c> chains are parsed iteratively. A condition longer
/// than <see cref="MaxLength"/> characters (after list substitution) is refused before parsing.
/// </summary>
public sealed class ConditionParser
{
    public const int MaxDepth = 1000;

    /// <summary>The longest condition parsed, in characters, once lists are substituted.</summary>
    public const int MaxLength = 1_000_000;

    private readonly string _text;
    private readonly ITextOrigin? _origin;
    private int _pos;
    private int _depth;

    private ConditionParser(string text, ITextOrigin? origin)
    {
        _text = text;
        _origin = origin;
    }

    /// <summary>Parses a whole condition. Throws <see cref="ConditionSyntaxException"/> with the offending offset.</summary>
    public static Expr Parse(string text, ITextOrigin? origin = null)
    {
        if (text.Length > MaxLength)
            throw new ConditionSyntaxException($"the condition is {text.Length:N0} characters long, more than the {MaxLength:N0} allowed", new TextPos(origin, 0));
        var parser = new ConditionParser(text, origin);
        parser.SkipSpace();
        if (parser.AtEnd) throw parser.Error("the condition is empty", 0);
        var expr = parser.ParseOr();
        parser.SkipSpace();
        if (!parser.AtEnd)
        {
            var message = parser.Peek == ')'
                ? "unbalanced parenthesis: ')' without a matching '('"
                : $"unexpected '{parser.Snippet()}' after a complete condition (expected 'and', 'or' or the end)";
            throw parser.Error(message, parser._pos);
        }
        return expr;
    }

    private bool AtEnd => _pos >= _text.Length;
    private char Peek => _pos < _text.Length ? _text[_pos] : '\0';
    private TextPos At(int offset) => new(_origin, offset);
    private ConditionSyntaxException Error(string message, int offset) => new(message, At(offset));

    private Expr ParseOr()
    {
        var start = _pos;
        var first = ParseAnd();
        List<Expr>? items = null;
        while (TryKeyword("or"))
        {
            (items ??= [first]).Add(ParseAnd());
        }
        return items is null ? first : new OrExpr(items, At(start));
    }

    private Expr ParseAnd()
    {
        var start = _pos;
        var first = ParseNot();
        List<Expr>? items = null;
        while (TryKeyword("and"))
        {
            (items ??= [first]).Add(ParseNot());
        }
        return items is null ? first : new AndExpr(items, At(start));
    }

    private Expr ParseNot()
    {
        SkipSpace();
        var nots = new List<int>();
        while (TryKeyword("not"))
        {
            nots.Add(_pos - 3);
            Enter(_pos - 3); // every 'not' is a level of the tree: a long chain is refused like deep nesting
        }
        var expr = ParseCheck();
        for (var i = nots.Count - 1; i >= 0; i--) expr = new NotExpr(expr, At(nots[i]));
        _depth -= nots.Count;
        return expr;
    }

    private Expr ParseCheck()
    {
        SkipSpace();
        var start = _pos;
        if (AtEnd) throw Error("unexpected end of condition: expected a field, a macro or '('", _pos);
        if (Peek == '(')
        {
            Enter(start);
            _pos++;
            var inner = ParseOr();
            SkipSpace();
            if (Peek != ')')
                throw Error(AtEnd
                    ? $"unbalanced parenthesis: '(' at offset {start} is never closed"
                    : $"expected ')' to close '(' but found '{Snippet()}'", AtEnd ? start : _pos);
            _pos++;
            _depth--;
            return inner;
        }
        if (Peek == ')') throw Error("unbalanced parenthesis: ')' where a field, a macro or '(' was expected", _pos);

        var word = ReadName();
        if (word.Length == 0) throw Error($"unexpected '{Snippet()}': expected a field, a macro or '('", _pos);
        if (Operators.Transformers.Contains(word) && Peek == '(')
        {
            _pos = start;
            var transformed = ParseFieldExpr();
            return ParseCondition(transformed, start);
        }
        if (word.Contains('.'))
        {
            _pos = start;
            var field = ParseFieldExpr();
            return ParseCondition(field, start);
        }
        if (!IsIdentifier(word)) throw Error($"'{word}' is neither a field (a.b) nor a macro name", start);
        return new MacroRefExpr(word, At(start));
    }

    /// <summary>A field (<c>a.b[arg]</c>) or a transformer around one.</summary>
    private FieldExpr ParseFieldExpr()
    {
        SkipSpace();
        var start = _pos;
        var name = ReadName();
        if (name.Length == 0) throw Error($"expected a field but found '{Snippet()}'", _pos);
        if (Operators.Transformers.Contains(name) && Peek == '(')
        {
            Enter(start);
            _pos++;
            var inner = ParseFieldExpr();
            SkipSpace();
            if (Peek != ')') throw Error($"expected ')' to close {name}( but found '{Snippet()}'", _pos);
            _pos++;
            _depth--;
            return new TransformerRef(name, inner, At(start));
        }
        if (!name.Contains('.') || name.EndsWith('.') || name.StartsWith('.'))
            throw Error($"'{name}' is not a field name (fields look like a.b)", start);
        string? argument = null;
        if (Peek == '[')
        {
            _pos++;
            if (Peek is '"' or '\'') argument = ReadQuoted();
            else
            {
                var argStart = _pos;
                while (!AtEnd && Peek != ']' && !char.IsWhiteSpace(Peek) && Peek is not ('[' or '"' or '\'')) _pos++;
                argument = _text[argStart.._pos];
            }
            if (Peek != ']') throw Error($"expected ']' to close the argument of '{name}'", _pos);
            _pos++;
        }
        return new FieldRef(name, argument, At(start));
    }

    private Expr ParseCondition(FieldExpr field, int start)
    {
        SkipSpace();
        var opStart = _pos;
        var op = ReadOperator();
        if (op is null)
        {
            var message = AtEnd
                ? $"expected an operator after '{field}'"
                : $"unknown operator '{Snippet()}' after '{field}'";
            throw Error(message, opStart);
        }
        var opPos = At(opStart);
        if (op == "exists") return new CheckExpr(field, op, null, At(start), opPos);
        SkipSpace();
        Operand value;
        if (Operators.ListOperators.Contains(op))
        {
            if (Peek == '(') value = ParseList();
            else if (StartsField()) value = ParseFieldOperand();
            else
            {
                var nameStart = _pos;
                var name = ReadName();
                throw Error(name.Length > 0
                    ? $"'{name}' after '{op}' is not a defined list (write '{op} (...)')"
                    : $"expected '(' after '{op}'", nameStart);
            }
        }
        else if (StartsField()) value = ParseFieldOperand();
        else value = ParseValue(op);
        return new CheckExpr(field, op, value, At(start), opPos);
    }

    private bool StartsField()
    {
        var save = _pos;
        var name = ReadName();
        var result = Peek == '(' && (name == "val" || Operators.Transformers.Contains(name));
        _pos = save;
        return result;
    }

    private FieldOperand ParseFieldOperand()
    {
        var start = _pos;
        var save = _pos;
        var name = ReadName();
        if (name == "val")
        {
            Enter(start);
            _pos++; // (
            var field = ParseFieldExpr();
            SkipSpace();
            if (Peek != ')') throw Error($"expected ')' to close val( but found '{Snippet()}'", _pos);
            _pos++;
            _depth--;
            return new FieldOperand(field, At(start));
        }
        _pos = save;
        return new FieldOperand(ParseFieldExpr(), At(start));
    }

    private ListOperand ParseList()
    {
        var start = _pos;
        Enter(start);
        _pos++; // (
        var items = new List<StringOperand>();
        SkipSpace();
        if (Peek == ')')
        {
            _pos++;
            _depth--;
            return new ListOperand(items, At(start));
        }
        while (true)
        {
            SkipSpace();
            items.Add(ParseValue("list item"));
            SkipSpace();
            if (Peek == ',') { _pos++; continue; }
            if (Peek == ')') { _pos++; break; }
            throw Error(AtEnd ? $"unbalanced parenthesis: the list opened at offset {start} is never closed"
                : $"expected ',' or ')' in a list but found '{Snippet()}'", AtEnd ? start : _pos);
        }
        _depth--;
        return new ListOperand(items, At(start));
    }

    private StringOperand ParseValue(string after)
    {
        var start = _pos;
        if (Peek is '"' or '\'') return new StringOperand(ReadQuoted(), At(start));
        while (!AtEnd && !char.IsWhiteSpace(Peek) && Peek is not ('(' or ')' or ',' or '=' or '"' or '\'')) _pos++;
        if (_pos == start)
            throw Error(AtEnd ? $"expected a value after '{after}'" : $"expected a value after '{after}' but found '{Snippet()}'", _pos);
        return new StringOperand(_text[start.._pos], At(start));
    }

    /// <summary>A single- or double-quoted string. <c>\\</c> and an escaped quote are unescaped; other escapes
    /// are kept as written (so regular expressions such as <c>"\d+"</c> survive).</summary>
    private string ReadQuoted()
    {
        var quote = _text[_pos];
        var start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw Error($"unterminated string: the {quote} at offset {start} is never closed", start);
            var c = _text[_pos++];
            if (c == quote) break;
            if (c == '\\' && !AtEnd)
            {
                var next = _text[_pos];
                if (next == '\\' || next == '"' || next == '\'') { sb.Append(next); _pos++; continue; }
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private string? ReadOperator()
    {
        if (AtEnd) return null;
        var c = Peek;
        var n = _pos + 1 < _text.Length ? _text[_pos + 1] : '\0';
        switch (c)
        {
            case '=': _pos += n == '=' ? 2 : 1; return n == '=' ? "==" : "=";
            case '!' when n == '=': _pos += 2; return "!=";
            case '<': _pos += n == '=' ? 2 : 1; return n == '=' ? "<=" : "<";
            case '>': _pos += n == '=' ? 2 : 1; return n == '=' ? ">=" : ">";
        }
        var save = _pos;
        while (!AtEnd && char.IsAsciiLetter(Peek)) _pos++;
        var word = _text[save.._pos];
        if (Operators.Words.Contains(word) && (AtEnd || !IsNameChar(Peek))) return word;
        _pos = save;
        return null;
    }

    private bool TryKeyword(string keyword)
    {
        SkipSpace();
        if (string.CompareOrdinal(_text, _pos, keyword, 0, keyword.Length) != 0) return false;
        var end = _pos + keyword.Length;
        if (end < _text.Length && IsNameChar(_text[end])) return false;
        _pos = end;
        return true;
    }

    private void Enter(int at)
    {
        if (++_depth > MaxDepth)
            throw Error($"the condition nests deeper than {MaxDepth} levels", at);
    }

    private string ReadName()
    {
        var start = _pos;
        while (!AtEnd && IsNameChar(Peek)) _pos++;
        return _text[start.._pos];
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.';

    private static bool IsIdentifier(string word)
    {
        if (!char.IsAsciiLetter(word[0])) return false;
        foreach (var c in word) if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return false;
        return true;
    }

    private void SkipSpace()
    {
        while (!AtEnd && char.IsWhiteSpace(Peek)) _pos++;
    }

    private string Snippet()
    {
        var end = _pos;
        while (end < _text.Length && end - _pos < 20 && !char.IsWhiteSpace(_text[end])) end++;
        return end == _pos ? _text.Substring(_pos, Math.Min(1, _text.Length - _pos)) : _text[_pos..end];
    }
}
