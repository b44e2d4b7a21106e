using System.Buffers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules;

/// <summary>
/// A rule's <c>output</c>, parsed once: literal text and <c>%field</c> tokens (<c>%field[arg]</c>,
/// <c>%transformer(field)</c>, and libsinsp's width prefix <c>%20field</c>, which pads or cuts the value to
/// that many characters). The longest text that is a field wins, so <c>%ka.target.name/%ka.target.resource</c>
/// reads two fields; a trailing dot ends a field. Missing values print <c>&lt;NA&gt;</c>, lists <c>(a,b)</c>.
/// </summary>
public sealed class OutputFormatter
{
    private readonly Token[] _tokens;
    private readonly IFieldProvider? _provider;

    /// <summary>output_fields keys in written order: <c>evt.time</c>, then each field key once.</summary>
    private readonly string[] _keys;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    private OutputFormatter(string format, Token[] tokens, IFieldProvider? provider)
    {
        Format = format;
        _tokens = tokens;
        _provider = provider;
        var seen = new HashSet<string>(StringComparer.Ordinal) { "evt.time" };
        var keys = new List<string> { "evt.time" };
        foreach (var token in tokens)
        {
            if (token.Key is null || !seen.Add(token.Key)) continue;
            token.FirstOfKey = true;
            keys.Add(token.Key);
        }
        _keys = [.. keys];
    }

    public string Format { get; }

    /// <summary>The field keys of the format, as written (<c>ka.uri.param[command]</c>), in order, without duplicates.</summary>
    public IReadOnlyList<string> FieldKeys => _tokens.Where(t => t.Key is not null).Select(t => t.Key!).Distinct().ToList();

    /// <summary>
    /// Parses <paramref name="format"/>. With a provider, every field is resolved (unknown fields are errors);
    /// without one (a source we do not evaluate) only the syntax is checked.
    /// </summary>
    public static OutputFormatter Parse(string format, IFieldProvider? provider, out List<(string Message, int Offset)> errors)
    {
        errors = [];
        var tokens = new List<Token>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                literal.Append(c);
                i++;
                continue;
            }
            var percent = i;
            i++;
            if (i >= format.Length)
            {
                errors.Add(("the output ends with '%': expected a field after it", percent));
                break;
            }
            var width = 0;
            while (i < format.Length && char.IsAsciiDigit(format[i])) width = Math.Min(width * 10 + (format[i++] - '0'), 100_000);
            if (!TryReadField(format, ref i, provider, out var key, out var field, out var error))
            {
                errors.Add((error, percent));
                literal.Append(format, percent, i - percent);
                continue;
            }
            if (literal.Length > 0)
            {
                tokens.Add(new Token(literal.ToString(), null, null, 0));
                literal.Clear();
            }
            IFieldExtractor? extractor = null;
            if (provider is not null)
            {
                var slotErrors = new List<CompileError>();
                var slots = new SlotTable(provider);
                var compiler = new PredicateCompiler(slots, slotErrors);
                if (compiler.TryResolve(field, out var slot)) extractor = slots.Extractor(slot);
                else errors.Add((slotErrors[0].Message, percent + 1 + (width > 0 ? width.ToString().Length : 0)));
            }
            tokens.Add(new Token(null, key, extractor, width));
        }
        if (literal.Length > 0) tokens.Add(new Token(literal.ToString(), null, null, 0));
        return new OutputFormatter(format, [.. tokens], provider);
    }

    private static bool TryReadField(string format, ref int i, IFieldProvider? provider, out string key, out FieldExpr field, out string error)
    {
        key = "";
        field = null!;
        error = "";
        var start = i;
        var name = ReadName(format, ref i);
        if (Operators.Transformers.Contains(name) && i < format.Length && format[i] == '(')
        {
            i++;
            if (!TryReadField(format, ref i, provider, out var innerKey, out var inner, out error)) return false;
            if (i >= format.Length || format[i] != ')')
            {
                error = $"expected ')' to close {name}(";
                return false;
            }
            i++;
            key = format[start..i];
            field = new TransformerRef(name, inner, default);
            return true;
        }
        // A field name: the longest run of name characters that resolves (trailing dots are punctuation).
        var end = i;
        while (end > start && format[end - 1] == '.') end--;
        var candidate = format[start..end];
        if (provider is not null && !provider.TryResolve(candidate, null, out _, out _) && !HasArgument(format, end))
        {
            var best = provider.Fields.Where(f => candidate.StartsWith(f.Name, StringComparison.Ordinal))
                .OrderByDescending(f => f.Name.Length).FirstOrDefault();
            if (best is not null) end = start + best.Name.Length;
        }
        i = end;
        var fieldName = format[start..end];
        if (fieldName.Length == 0 || !fieldName.Contains('.'))
        {
            error = fieldName.Length == 0
                ? $"'%' must be followed by a field, found '{(start < format.Length ? format[start] : ' ')}'"
                : $"'%{fieldName}' is not a field (fields look like a.b)";
            return false;
        }
        string? argument = null;
        if (i < format.Length && format[i] == '[')
        {
            var close = format.IndexOf(']', i);
            if (close < 0)
            {
                error = $"expected ']' to close the argument of '{fieldName}'";
                return false;
            }
            argument = format[(i + 1)..close];
            i = close + 1;
        }
        key = format[start..i];
        field = new FieldRef(fieldName, argument, default);
        return true;
    }

    private static bool HasArgument(string format, int end) => end < format.Length && format[end] == '[';

    private static string ReadName(string format, ref int i)
    {
        var start = i;
        while (i < format.Length && (char.IsAsciiLetterOrDigit(format[i]) || format[i] is '_' or '.')) i++;
        return format[start..i];
    }

    /// <summary>Renders the output text for <paramref name="evt"/>.</summary>
    public string Render(object evt) => Render(Extract(evt));

    /// <summary>
    /// Falco's <c>output_fields</c>: one key per field of the format as written, values as strings (lists as
    /// arrays, missing as null), plus <c>evt.time</c> as integer nanoseconds.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> RenderFields(object evt, long eventTime) => RenderFields(Extract(evt), eventTime);

    /// <summary>The alert Falco would send for a match of <paramref name="rule"/> on <paramref name="evt"/>.</summary>
    public FalcoAlert CreateAlert(string rule, Priority priority, string source, IReadOnlyList<string> tags, object evt, string? hostname)
    {
        var nanos = _provider?.GetEventTime(evt) ?? 0;
        var time = new FalcoTime(nanos);
        // Each field is extracted once, for both the text and output_fields.
        var values = Extract(evt);
        return new FalcoAlert
        {
            Rule = rule,
            Priority = priority,
            Time = time,
            Output = $"{time.ToTimeOfDayString()}: {priority.ToFalcoString()} {Render(values)}",
            Source = source,
            Hostname = hostname,
            Tags = tags,
            OutputFields = RenderFields(values, nanos),
        };
    }

    /// <summary>The value of every field token, in token order (literals: <see cref="FieldValue.Missing"/>).</summary>
    private FieldValue[] Extract(object evt)
    {
        var values = new FieldValue[_tokens.Length];
        for (var i = 0; i < _tokens.Length; i++)
            if (_tokens[i].Extractor is { } extractor) values[i] = extractor.Extract(evt);
        return values;
    }

    private string Render(FieldValue[] values)
    {
        var sb = new StringBuilder(Format.Length + 64);
        for (var i = 0; i < _tokens.Length; i++)
        {
            var token = _tokens[i];
            if (token.Literal is not null)
            {
                sb.Append(token.Literal);
                continue;
            }
            var text = token.Extractor is null ? "<NA>" : values[i].ToString();
            if (token.Width > 0) sb.Append(text.Length >= token.Width ? text.AsSpan(0, token.Width) : text.PadRight(token.Width));
            else sb.Append(text);
        }
        return sb.ToString();
    }

    private Dictionary<string, JsonElement> RenderFields(FieldValue[] values, long eventTime)
    {
        // A per-thread buffer and writer: output_fields are rendered for every match, so they are reused.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteNumber(_keys[0], eventTime);
        for (var i = 0; i < _tokens.Length; i++)
        {
            var token = _tokens[i];
            if (token.Key is null || !token.FirstOfKey) continue;
            writer.WritePropertyName(token.Key);
            var value = values[i];
            if (value.List is { } list)
            {
                writer.WriteStartArray();
                foreach (var item in list) writer.WriteStringValue(item);
                writer.WriteEndArray();
            }
            else if (value.Single is { } single) writer.WriteStringValue(single);
            else writer.WriteNullValue();
        }
        writer.WriteEndObject();
        writer.Flush();
        // One self-owned element (no pooled document to clone); the values point into it. Properties come back
        // in written order, so the keys are the format's own strings rather than new ones per alert.
        var root = JsonElement.Parse(buffer.WrittenSpan);
        var fields = new Dictionary<string, JsonElement>(_keys.Length, StringComparer.Ordinal);
        var k = 0;
        foreach (var property in root.EnumerateObject()) fields[_keys[k++]] = property.Value;
        return fields;
    }

    private sealed record Token(string? Literal, string? Key, IFieldExtractor? Extractor, int Width)
    {
        /// <summary>The first token with this key (output_fields has one entry per key; <c>evt.time</c> is always written first).</summary>
        public bool FirstOfKey { get; set; }
    }
}
