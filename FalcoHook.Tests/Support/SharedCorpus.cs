namespace FalcoHook.Tests.Support;

/// <summary>
/// Finds the read-only conformance corpus (<c>../shared/conformance</c> beside the repository). Tests that
/// need it call <see cref="RequireConformance"/>, which fails with a plain message when it is absent, so a
/// missing corpus is never mistaken for a passing run.
/// </summary>
public static class SharedCorpus
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The conformance folder, or null when no <c>shared/conformance</c> is beside the repository.</summary>
    public static string? ConformanceDirectory => Root.Value;

    public static string RequireConformance() =>
        Root.Value ?? throw new InvalidOperationException(
            "The conformance corpus was not found: expected ../shared/conformance beside the repository " +
            "(set FALCOHOOK_CONFORMANCE to its path). These tests need it and do not pass without it.");

    public static string Conformance(params string[] parts) => Path.Combine([RequireConformance(), .. parts]);

    /// <summary>The repository root (the folder with FalcoHook.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string? Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FALCOHOOK_CONFORMANCE");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment)) return fromEnvironment;
        var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "conformance"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FalcoHook.sln"))) return dir.FullName;
        throw new InvalidOperationException("FalcoHook.sln not found above " + AppContext.BaseDirectory);
    }
}
