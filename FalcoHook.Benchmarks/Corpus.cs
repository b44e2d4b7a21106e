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

    /// <summary>
    /// The EventList of bench/audit-mix.sh: <paramref name="count"/> events of which <paramref name="alerting"/>, spread
    /// evenly, are conformance trace events (which raise alerts under k8s_audit_rules.yaml) and the rest routine
    /// get/list/watch requests by system accounts, built as the script builds them.
    /// </summary>
    public static byte[] AuditMix(int count, int alerting)
    {
        var traces = Directory.GetFiles(Corpus.Path("traces"), "*.json").Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllLines).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        var every = alerting > 0 ? count / alerting : count + 1;
        var items = new List<string>(count);
        for (int i = 0, t = 0; i < count; i++)
        {
            if (alerting > 0 && i % every == every / 2 && t < alerting) items.Add(traces[t++ % traces.Length]);
            else items.Add(RoutineEvent(i));
        }
        return System.Text.Encoding.UTF8.GetBytes(
            "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[" + string.Join(",", items) + "]}");
    }

    /// <summary>A routine request of bench/audit-mix.sh: verb, resource, namespace and user cycle as a cluster's system accounts do.</summary>
    private static string RoutineEvent(int n)
    {
        string[] verbs = ["get", "list", "watch", "get", "watch", "list", "get"];
        string[] resources = ["configmaps", "endpoints", "pods", "namespaces", "leases", "services", "endpointslices", "replicasets"];
        string[] groups = ["", "", "", "", "coordination.k8s.io", "", "discovery.k8s.io", "apps"];
        string[] namespaces = ["kube-system", "kube-system", "default", "monitoring", "kube-node-lease", "kube-system", "default", "kube-system"];
        string[] users = ["system:serviceaccount:kube-system:coredns", "system:kube-controller-manager", "system:node:node-3",
            "system:serviceaccount:monitoring:prometheus", "system:kube-scheduler", "system:serviceaccount:kube-system:kube-proxy"];
        var (verb, r, user) = (verbs[n % 7], n % 8, users[n % 6]);
        var (resource, group, ns) = (resources[r], groups[r], namespaces[r]);
        var api = group.Length > 0 ? $"{group}/v1" : "v1";
        var uri = group.Length > 0 ? $"/apis/{group}/v1/namespaces/{ns}/{resource}" : $"/api/v1/namespaces/{ns}/{resource}";
        if (resource == "namespaces") (uri, ns) = ("/api/v1/namespaces", "");
        if (verb == "get") uri += $"/obj-{n % 50}";
        if (verb == "watch") uri += $"?watch=true&resourceVersion={100000 + n}";
        var name = verb == "get" ? $",\"name\":\"obj-{n % 50}\"" : "";
        var nsField = ns.Length > 0 ? $",\"namespace\":\"{ns}\"" : "";
        var (second, micros) = (n % 60, n * 37 % 1000000);
        return FormattableString.Invariant(
            $"{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"00000000-0000-4000-8000-{n:D12}\",") +
            $"\"stage\":\"ResponseComplete\",\"requestURI\":\"{uri}\",\"verb\":\"{verb}\"," +
            $"\"user\":{{\"username\":\"{user}\",\"groups\":[\"system:authenticated\"]}},\"sourceIPs\":[\"10.0.{n % 4}.{n % 200 + 2}\"],\"userAgent\":\"kube-controller/v1.31.0\"," +
            $"\"objectRef\":{{\"resource\":\"{resource}\"{nsField}{name},\"apiVersion\":\"{api}\"}},\"responseStatus\":{{\"metadata\":{{}},\"code\":200}}," +
            $"\"requestReceivedTimestamp\":\"2026-11-27T10:00:{second:D2}.{micros:D6}Z\",\"stageTimestamp\":\"2026-11-27T10:00:{second:D2}.{micros + 900:D6}Z\"}}";
    }

    /// <summary>The real Falco alerts of the corpus, one JSON object each.</summary>
    public static string[] Alerts() => Directory.GetFiles(Corpus.Path("alerts"), "*.jsonl").Order(StringComparer.Ordinal)
        .SelectMany(File.ReadAllLines).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
}
