namespace FalcoHook.Core.Rules;

/// <summary>Turns configured rules paths into the files to load, in order.</summary>
public static class RulesPaths
{
    /// <summary>
    /// Each path in order: a file as it is; a folder as its *.yaml and *.yml files, recursively, sorted by
    /// their path within it (so <c>rules/</c> loads the same way on every machine). Relative paths are taken
    /// from <paramref name="baseDirectory"/>. A path that does not exist is reported in <paramref name="missing"/>.
    /// </summary>
    public static List<string> Expand(IEnumerable<string> paths, string baseDirectory, List<string> missing)
    {
        var files = new List<string>();
        foreach (var configured in paths)
        {
            var path = Path.GetFullPath(configured, baseDirectory);
            if (File.Exists(path)) files.Add(path);
            else if (Directory.Exists(path))
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(IsRulesFile)
                    .OrderBy(f => Path.GetRelativePath(path, f).Replace('\\', '/'), StringComparer.Ordinal));
            else missing.Add(configured);
        }
        return files;
    }

    public static bool IsRulesFile(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
}
