using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Options;

/// <summary>
/// <c>dotnet FalcoHook.Benchmarks.dll events-load &lt;file&gt; &lt;count&gt;</c>: fills an alert-history file with synthetic
/// alerts spread over the last 7 days (for bench/events.sh), through <see cref="SqliteEventStore.RecordAsync"/> in
/// transactions of 10,000: the same writes the pipeline makes, without the pipeline. Rules, hosts and namespaces
/// follow a skewed distribution (a few are most of the alerts), as real Falco traffic does.
/// </summary>
internal static class EventsLoad
{
    private const int Batch = 10_000;

    private static readonly (string Rule, Priority Priority, string[] Tags)[] Rules =
    [
        ("Terminal shell in container", Priority.Notice, ["container", "shell", "mitre_execution", "T1059"]),
        ("Read sensitive file untrusted", Priority.Warning, ["filesystem", "mitre_credential_access", "T1555"]),
        ("Contact K8S API Server From Container", Priority.Notice, ["network", "k8s", "container", "mitre_discovery", "T1565"]),
        ("Drop and execute new binary in container", Priority.Critical, ["container", "mitre_persistence", "TA0003"]),
        ("Redirect STDOUT/STDIN to Network Connection in Container", Priority.Notice, ["container", "network", "mitre_execution", "T1059"]),
        ("Launch Privileged Container", Priority.Informational, ["container", "cis", "mitre_execution", "T1610"]),
        ("Clear Log Activities", Priority.Warning, ["host", "container", "filesystem", "mitre_defense_evasion", "T1070"]),
        ("Search Private Keys or Passwords", Priority.Warning, ["host", "container", "process", "mitre_credential_access", "T1552"]),
        ("Netcat Remote Code Execution in Container", Priority.Warning, ["container", "network", "process", "mitre_execution", "T1059"]),
        ("Disallowed K8s User", Priority.Warning, ["k8s"]),
        ("Create Privileged Pod", Priority.Warning, ["k8s"]),
        ("Attach/Exec Pod", Priority.Notice, ["k8s"]),
        ("Packet socket created in container", Priority.Notice, ["container", "network", "mitre_credential_access", "T1557.002"]),
        ("Fileless execution via memfd_create", Priority.Critical, ["container", "host", "process", "mitre_defense_evasion", "T1620"]),
        ("Outbound Connection to C2 Servers", Priority.Error, ["network", "mitre_command_and_control", "TA0011"]),
    ];

    private static readonly string[] Processes = ["bash", "sh", "curl", "python3", "nc", "cat", "kubectl", "java", "node", "nginx"];
    private static readonly string[] Files = ["/etc/shadow", "/etc/passwd", "/etc/sudoers", "/root/.ssh/id_rsa", "/var/log/syslog", "/proc/self/environ"];

    public static async Task<int> RunAsync(string file, int count)
    {
        var now = DateTimeOffset.UtcNow;
        var options = new EventsOptions { File = file };
        var store = new SqliteEventStore(new SqliteEventDatabase(Options.Create(options), Options.Create(new StorageOptions())));
        var random = new Random(18);
        var span = TimeSpan.FromDays(7).Ticks;
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < count; start += Batch)
        {
            var records = new List<EventRecord>(Batch);
            for (var i = start; i < Math.Min(count, start + Batch); i++)
            {
                var time = now - TimeSpan.FromDays(7) + TimeSpan.FromTicks(span / count * i);
                records.Add(Record(i, time, random));
            }
            await store.RecordAsync(records, now, CancellationToken.None);
            if ((start / Batch) % 10 == 9) Console.Error.WriteLine($"  {start + records.Count:N0} events, {(start + records.Count) / watch.Elapsed.TotalSeconds:N0}/s");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} {watch.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    private static int Skewed(Random random, int n) => (int)(Math.Pow(random.NextDouble(), 2.5) * n);

    private static EventRecord Record(int i, DateTimeOffset time, Random random)
    {
        var (rule, priority, tags) = Rules[Skewed(random, Rules.Length)];
        var host = $"node-{Skewed(random, 20):D2}";
        var ns = Skewed(random, 30) switch { 0 => "default", 1 => "kube-system", 2 => "payments", 3 => "monitoring", var k => $"team-{k:D2}" };
        var proc = Processes[Skewed(random, Processes.Length)];
        var file = Files[random.Next(Files.Length)];
        var pod = $"{ns}-app-{random.Next(1000):D3}";
        var fields = new Dictionary<string, JsonElement>
        {
            ["evt.time"] = JsonSerializer.SerializeToElement(time.ToUnixTimeMilliseconds() * 1_000_000),
            ["proc.name"] = JsonSerializer.SerializeToElement(proc),
            ["proc.cmdline"] = JsonSerializer.SerializeToElement($"{proc} -c {file}"),
            ["proc.pid"] = JsonSerializer.SerializeToElement(random.Next(1, 65535)),
            ["user.name"] = JsonSerializer.SerializeToElement(random.Next(4) == 0 ? "www-data" : "root"),
            ["fd.name"] = JsonSerializer.SerializeToElement(file),
            ["container.id"] = JsonSerializer.SerializeToElement($"{random.NextInt64():x12}"[..12]),
            ["container.image.repository"] = JsonSerializer.SerializeToElement($"registry.example.com/{ns}/app"),
            ["k8s.ns.name"] = JsonSerializer.SerializeToElement(ns),
            ["k8s.pod.name"] = JsonSerializer.SerializeToElement(pod),
        };
        var alert = new FalcoAlert
        {
            Rule = rule,
            Priority = priority,
            Time = FalcoTime.FromDateTimeOffset(time),
            Output = $"{time:HH:mm:ss.fffffff}00: {priority.ToFalcoString()} {rule} (user=root process={proc} command={proc} -c {file} file={file} " +
                     $"container_id={fields["container.id"].GetString()} image=registry.example.com/{ns}/app k8s.ns={ns} k8s.pod={pod})",
            Source = "syscall",
            Hostname = host,
            Tags = tags,
            OutputFields = fields,
        };
        var origin = new AlertOrigin(i + 1, time, default);
        var notification = new Notification(alert, $"{i % 50_000:x16}")
        {
            Origin = origin,
            Enrichment = new Enrichment
            {
                Severity = priority >= Priority.Critical ? "Critical" : priority >= Priority.Error ? "High" : priority >= Priority.Warning ? "Medium" : "Low",
                Category = tags.Contains("network") ? "network" : tags.Contains("filesystem") ? "filesystem" : "execution",
                Techniques = [.. tags.Where(t => t.StartsWith('T'))],
                Indicators = new Dictionary<string, string> { ["process"] = proc, ["namespace"] = ns, ["pod"] = pod },
            },
        };
        var roll = random.Next(100);
        PipelineDecision decision = roll switch
        {
            < 15 => new PipelineDecision("dedup", DecisionKind.Deduplicated, notification.Fingerprint),
            < 20 => new PipelineDecision("filter", DecisionKind.Dropped, "priority"),
            < 30 => new PipelineDecision("route", DecisionKind.Unrouted),
            _ => new PipelineDecision("route", DecisionKind.Routed) { Destinations = ["slack"] },
        };
        IReadOnlyList<EventDeliveryRef> deliveries = decision.Kind == DecisionKind.Routed
            ? [new EventDeliveryRef(FalcoHook.Core.Delivery.DurableOutbox.IdFor(origin, "slack", 0), "slack")]
            : [];
        return new EventRecord(EventKind.Alert, notification, time, [decision], deliveries);
    }
}
