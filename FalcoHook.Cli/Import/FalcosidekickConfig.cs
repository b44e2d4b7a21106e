using YamlDotNet.RepresentationModel;

namespace FalcoHook.Cli.Import;

/// <summary>
/// A Falcosidekick configuration as nested maps with lower-case keys, read from its YAML file or from its
/// environment variables (<c>SLACK_WEBHOOKURL</c> is <c>slack.webhookurl</c>; the first <c>_</c> splits section and key).
/// </summary>
public static class FalcosidekickConfig
{
    public static Dictionary<string, object?> FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            ? Map(root, 0, lower: true)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    public static Dictionary<string, object?> FromEnvironment(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var config = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            var key = name.Trim().ToLowerInvariant();
            var split = key.IndexOf('_', StringComparison.Ordinal);
            if (split <= 0)
            {
                config[key] = value;
                continue;
            }
            if (config.GetValueOrDefault(key[..split]) is not Dictionary<string, object?> section)
                config[key[..split]] = section = new Dictionary<string, object?>(StringComparer.Ordinal);
            section[key[(split + 1)..]] = value;
        }
        return config;
    }

    /// <summary><c>KEY=value</c> lines (blank lines and <c>#</c> comments skipped, quotes around a value removed).</summary>
    public static IEnumerable<KeyValuePair<string, string>> ParseEnvFile(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            if (line.Split('=', 2) is not [var name, var value]) continue;
            value = value.Trim();
            if (value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'') value = value[1..^1];
            yield return new(name.Trim(), value);
        }
    }

    /// <summary>Sections and their keys are case-insensitive (lower-cased); deeper keys (custom fields, headers) keep their case.</summary>
    private static Dictionary<string, object?> Map(YamlMappingNode node, int depth, bool lower)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Children)
            if (key is YamlScalarNode { Value: { } name })
                map[lower ? name.ToLowerInvariant() : name] = Value(value, depth + 1, lower: depth == 0 && name.ToLowerInvariant() is not ("customfields" or "templatedfields"));
        return map;
    }

    private static object? Value(YamlNode node, int depth, bool lower) => node switch
    {
        YamlMappingNode mapping => Map(mapping, depth, lower),
        YamlSequenceNode sequence => sequence.Children.Select(n => Value(n, depth, lower)).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}
