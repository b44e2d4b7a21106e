namespace FalcoHook.Benchmarks;

/// <summary>Finds the shared conformance corpus (<c>../shared/conformance</c> beside the repository, or FALCOHOOK_CONFORMANCE).</summary>
internal static class Corpus
{
    public static string Path(params string[] parts)
    {
        var root = Environment.GetEnvironmentVariable("FALCOHOOK_CONFORMANCE");
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FalcoHook.sln"))) dir = dir.Parent;
            root = dir is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "conformance"));
        }
        if (root is null || !Directory.Exists(root))
            throw new InvalidOperationException("The conformance corpus was not found (../shared/conformance or FALCOHOOK_CONFORMANCE).");
        return System.IO.Path.Combine([root, .. parts]);
    }
}
