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

/// <summary>Real inputs built from the corpus: alerts as sent by Falco, audit events from the conformance traces.</summary>
internal static class Inputs
{
    /// <summary>Every audit event line of the conformance traces (JSON Lines), as UTF-8 JSON objects.</summary>
    public static string[] TraceEvents() => Directory.GetFiles(Corpus.Path("traces"), "*.json").Order(StringComparer.Ordinal)
        .SelectMany(File.ReadAllLines).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();

    /// <summary>An <c>audit.k8s.io/v1</c> EventList of <paramref name="count"/> events, cycling through the traces.</summary>
    public static byte[] EventList(int count)
    {
        var events = TraceEvents();
        var items = Enumerable.Range(0, count).Select(i => events[i % events.Length]);
        return System.Text.Encoding.UTF8.GetBytes(
            "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[" + string.Join(",", items) + "]}");
    }

    /// <summary>The real Falco alerts of the corpus, one JSON object each.</summary>
    public static string[] Alerts() => Directory.GetFiles(Corpus.Path("alerts"), "*.jsonl").Order(StringComparer.Ordinal)
        .SelectMany(File.ReadAllLines).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
}
