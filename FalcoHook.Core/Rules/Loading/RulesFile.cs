namespace FalcoHook.Core.Rules.Loading;

/// <summary>One rules file to load: its name (used in diagnostics) and its text.</summary>
public sealed class RulesFile
{
    private int[]? _lineStarts;

    public RulesFile(string name, string text)
    {
        Name = name;
        Text = text;
    }

    public string Name { get; }
    public string Text { get; }

    public static RulesFile Read(string path) => new(path, File.ReadAllText(path));

    /// <summary>
    /// The files named by <paramref name="paths"/> in load order, like Falco's <c>rules_files</c>: a file as is,
    /// a directory as its <c>*.yaml</c> and <c>*.yml</c> files sorted by name. Throws
    /// <see cref="FileNotFoundException"/> for a path that is neither.
    /// </summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path)) files.Add(path);
            else throw new FileNotFoundException("no such file or directory", path);
        }
        return files;
    }

    /// <summary>The 1-based line and column of a character index of <see cref="Text"/>.</summary>
    public SourceLocation Locate(long index)
    {
        _lineStarts ??= ComputeLineStarts(Text);
        var i = (int)Math.Clamp(index, 0, Text.Length);
        var line = Array.BinarySearch(_lineStarts, i);
        if (line < 0) line = ~line - 1;
        return new SourceLocation(Name, line + 1, i - _lineStarts[line] + 1);
    }

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++) if (text[i] == '\n') starts.Add(i + 1);
        return [.. starts];
    }
}
