using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// TEST DOUBLE for the rules engine's condition compiler: just <c>field = value</c>, <c>and</c>, <c>not</c>
/// (values bare or double-quoted). Errors carry a 1-based column like the real one. Production code never uses it.
/// </summary>
public sealed class TestConditionCompiler : IAlertConditionCompiler
{
    public AlertConditionResult Compile(string condition)
    {
        var tokens = Tokenize(condition, out var error);
        if (error is not null) return AlertConditionResult.Failure(error);
        var position = 0;
        var predicate = ParseAnd(tokens, ref position, out error);
        if (error is null && position < tokens.Count)
            error = new ConditionError(1, tokens[position].Column, $"unexpected token '{tokens[position].Text}'");
        return error is null ? AlertConditionResult.Success(predicate!) : AlertConditionResult.Failure(error);
    }

    private static Func<FalcoAlert, bool>? ParseAnd(List<Token> tokens, ref int position, out ConditionError? error)
    {
        var left = ParseNot(tokens, ref position, out error);
        while (error is null && position < tokens.Count && tokens[position].Text == "and")
        {
            position++;
            var right = ParseNot(tokens, ref position, out error);
            var l = left!;
            left = error is null ? a => l(a) && right!(a) : null;
        }
        return left;
    }

    private static Func<FalcoAlert, bool>? ParseNot(List<Token> tokens, ref int position, out ConditionError? error)
    {
        if (position < tokens.Count && tokens[position].Text == "not")
        {
            position++;
            var inner = ParseNot(tokens, ref position, out error);
            return error is null ? a => !inner!(a) : null;
        }
        return ParseComparison(tokens, ref position, out error);
    }

    private static Func<FalcoAlert, bool>? ParseComparison(List<Token> tokens, ref int position, out ConditionError? error)
    {
        error = null;
        if (position < tokens.Count && tokens[position].Text is "=" or "and" or "not" or "(" or ")")
        {
            error = new ConditionError(1, tokens[position].Column, $"unexpected token '{tokens[position].Text}'");
            return null;
        }
        if (position + 3 > tokens.Count)
        {
            var column = position < tokens.Count ? tokens[position].Column : tokens.Count == 0 ? 1 : tokens[^1].Column + tokens[^1].Text.Length;
            error = new ConditionError(1, column, "unexpected end of condition");
            return null;
        }
        var field = tokens[position];
        var op = tokens[position + 1];
        var value = tokens[position + 2];
        if (op.Text != "=") { error = new ConditionError(1, op.Column, $"unexpected token '{op.Text}'"); return null; }
        if (value.Text is "and" or "not" or "=" || (value.Text is "(" or ")"))
        {
            error = new ConditionError(1, value.Column, $"unexpected token '{value.Text}'");
            return null;
        }
        position += 3;
        var name = field.Text;
        var expected = value.Text;
        return alert => FalcoAlertFieldProvider.Text(alert, name) == expected;
    }

    private sealed record Token(string Text, int Column);

    private static List<Token> Tokenize(string text, out ConditionError? error)
    {
        error = null;
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            if (c is '=' or '(' or ')') { tokens.Add(new(c.ToString(), start + 1)); i++; continue; }
            if (c == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0) { error = new ConditionError(1, start + 1, "unterminated string"); return tokens; }
                tokens.Add(new(text[(i + 1)..end], start + 1));
                i = end + 1;
                continue;
            }
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('=' or '(' or ')' or '"')) i++;
            tokens.Add(new(text[start..i], start + 1));
        }
        return tokens;
    }
}
