using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Core.Rules.Loading;
using YamlDotNet.Core;

namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// A YAML value of a managed item, small enough to edit and write back: a scalar (plain or quoted), a sequence
/// or a mapping (keys in order). Managed items are kept as these trees and written as Falco rules YAML.
/// </summary>
public abstract record YamlValue
{
    public static YamlScalarValue Text(string value) => new(value, Plain: false);
    public static YamlScalarValue Bool(bool value) => new(value ? "true" : "false", Plain: true);
    public static YamlScalarValue Number(long value) => new(value.ToString(System.Globalization.CultureInfo.InvariantCulture), Plain: true);

    /// <summary>The tree of a node read by the engine's YAML reader.</summary>
    public static YamlValue From(YNode? node) => node switch
    {
        null => new YamlScalarValue("", Plain: true),
        YScalar s => new YamlScalarValue(s.Value, s.Style == ScalarStyle.Plain),
        YSequence q => new YamlSequenceValue([.. q.Items.Select(From)]),
        YMapping m => new YamlMappingValue([.. m.Entries.Select(e => new KeyValuePair<string, YamlValue>(e.Key.Value, From(e.Value)))]),
        _ => throw new ArgumentException($"unexpected YAML node {node.GetType().Name}", nameof(node)),
    };

    /// <summary>A JSON value as YAML: strings quoted, numbers and booleans plain, null as an empty plain scalar.</summary>
    public static YamlValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Text(element.GetString()!),
        JsonValueKind.Number => new YamlScalarValue(element.GetRawText(), Plain: true),
        JsonValueKind.True => Bool(true),
        JsonValueKind.False => Bool(false),
        JsonValueKind.Array => new YamlSequenceValue([.. element.EnumerateArray().Select(FromJson)]),
        JsonValueKind.Object => new YamlMappingValue([.. element.EnumerateObject().Select(p => new KeyValuePair<string, YamlValue>(p.Name, FromJson(p.Value)))]),
        _ => new YamlScalarValue("", Plain: true),
    };
}

public sealed record YamlScalarValue(string Value, bool Plain) : YamlValue;

public sealed record YamlSequenceValue(IReadOnlyList<YamlValue> Items) : YamlValue;

public sealed record YamlMappingValue(IReadOnlyList<KeyValuePair<string, YamlValue>> Entries) : YamlValue
{
    public YamlValue? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;

    /// <summary>A copy with <paramref name="key"/> set (in place when present, appended otherwise).</summary>
    public YamlMappingValue With(string key, YamlValue value)
    {
        var entries = Entries.ToList();
        var i = entries.FindIndex(e => e.Key == key);
        if (i >= 0) entries[i] = new(key, value);
        else entries.Add(new(key, value));
        return new YamlMappingValue(entries);
    }

    public YamlMappingValue Without(string key) => new(Entries.Where(e => e.Key != key).ToList());
}

/// <summary>
/// Writes managed items as block YAML the engine reads back unchanged: one <c>- kind: name</c> item per entry,
/// multi-line strings as literal blocks, nested values in flow style, every string that is not a safe plain
/// scalar double-quoted with JSON escapes (a subset of YAML's).
/// </summary>
public static partial class YamlWriter
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteItem(StringBuilder output, YamlMappingValue item)
    {
        var first = true;
        foreach (var (key, value) in item.Entries)
        {
            output.Append(first ? "- " : "  ").Append(Key(key)).Append(':');
            first = false;
            WriteBlockValue(output, value);
        }
        if (first) output.Append("- {}\n");
    }

    private static void WriteBlockValue(StringBuilder output, YamlValue value)
    {
        if (value is YamlScalarValue { Plain: false } s && s.Value.Contains('\n') && CanBeLiteral(s.Value))
        {
            var text = s.Value;
            output.Append(text.EndsWith('\n') ? " |\n" : " |-\n");
            foreach (var line in text.TrimEnd('\n').Split('\n'))
                output.Append(line.Length == 0 ? "" : "    ").Append(line).Append('\n');
            return;
        }
        output.Append(' ');
        WriteFlow(output, value);
        output.Append('\n');
    }

    private static bool CanBeLiteral(string text) =>
        !text.StartsWith(' ') && !text.StartsWith('\n') && !text.Contains('\r') && !text.Contains('\t') &&
        !text.EndsWith("\n\n", StringComparison.Ordinal) && text.All(c => c >= ' ' || c == '\n');

    private static void WriteFlow(StringBuilder output, YamlValue value)
    {
        switch (value)
        {
            case YamlScalarValue s:
                output.Append(s.Plain && SafePlain().IsMatch(s.Value) ? s.Value : Quote(s.Value));
                break;
            case YamlSequenceValue q:
                output.Append('[');
                for (var i = 0; i < q.Items.Count; i++)
                {
                    if (i > 0) output.Append(", ");
                    WriteFlow(output, q.Items[i]);
                }
                output.Append(']');
                break;
            case YamlMappingValue m:
                output.Append('{');
                for (var i = 0; i < m.Entries.Count; i++)
                {
                    if (i > 0) output.Append(", ");
                    output.Append(Key(m.Entries[i].Key)).Append(": ");
                    WriteFlow(output, m.Entries[i].Value);
                }
                output.Append('}');
                break;
        }
    }

    private static string Key(string key) => SafeKey().IsMatch(key) ? key : Quote(key);

    public static string Quote(string value) => JsonSerializer.Serialize(value, Json);

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")]
    private static partial Regex SafePlain();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*$")]
    private static partial Regex SafeKey();
}
