namespace FalcoHook.Cli.Import;

/// <summary>
/// One section of a Falcosidekick configuration (<c>slack:</c>, <c>webhook:</c>…) with lower-case keys; remembers
/// which keys were read, so that every other key that is set can be reported as not carried over.
/// </summary>
public sealed class FalcosidekickSection(string name, IReadOnlyDictionary<string, object?> values)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>The key's text, trimmed; null when absent or empty.</summary>
    public string? Text(string key)
    {
        _read.Add(key);
        var text = values.TryGetValue(key, out var value) ? value?.ToString()?.Trim() : null;
        return string.IsNullOrEmpty(text) ? null : text;
    }

    public bool Flag(string key, bool otherwise) =>
        Text(key) is { } text ? text.Equals("true", StringComparison.OrdinalIgnoreCase) : otherwise;

    /// <summary>A map: a YAML mapping, or Falcosidekick's <c>key:value,key:value</c> text (environment variables).</summary>
    public Dictionary<string, string> Map(string key)
    {
        _read.Add(key);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (values.GetValueOrDefault(key))
        {
            case IReadOnlyDictionary<string, object?> yaml:
                foreach (var (k, v) in yaml) map[k] = v?.ToString() ?? "";
                break;
            case string text:
                foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    if (pair.Split(':', 2) is [var k, var v]) map[k.Trim()] = v.Trim();
                break;
        }
        return map;
    }

    /// <summary>A nested section's values (a YAML mapping); empty when absent.</summary>
    public IReadOnlyDictionary<string, object?> Values(string key)
    {
        _read.Add(key);
        return values.GetValueOrDefault(key) as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
    }

    /// <summary>A list: a YAML sequence or comma-separated text.</summary>
    public List<string> List(string key)
    {
        _read.Add(key);
        return values.GetValueOrDefault(key) switch
        {
            List<object?> items => [.. items.Select(i => i?.ToString()?.Trim() ?? "").Where(i => i.Length > 0)],
            string text => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            _ => [],
        };
    }

    /// <summary>Every key of the section, read or not.</summary>
    public IEnumerable<string> Keys() => values.Keys;

    /// <summary>Keys that are set but were not read.</summary>
    public IEnumerable<string> Unread() =>
        values.Where(kv => !_read.Contains(kv.Key) && !IsEmpty(kv.Value)).Select(kv => kv.Key).Order(StringComparer.Ordinal);

    public static bool IsEmpty(object? value) => value switch
    {
        null => true,
        string text => text.Trim().Length == 0,
        IReadOnlyDictionary<string, object?> map => map.Values.All(IsEmpty),
        List<object?> list => list.Count == 0,
        _ => false,
    };
}
