using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

/// <summary>
/// <c>dotnet FalcoHook.Benchmarks.dll events-load &lt;file&gt; &lt;count&gt;</c>: fills an alert-history file with synthetic
/// alerts spread over the 168 hours before the current one (for bench/events.sh): one hour's alerts through
/// <see cref="SqliteEventStore.RecordAsync"/> (the writes the pipeline makes), copied by SQL into the other hours in one
/// transaction, which is how a million load in minutes on a small machine. Rules, hosts and namespaces
/// follow a skewed distribution (a few are most of the alerts), as real Falco traffic does.
/// </summary>
internal static class EventsLoad
{

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

    /// <summary>Loaded events' ids start above this, so a service's fresh inbox (ids from 1) never meets them.</summary>
    private const long IdBase = 1_000_000_000_000;

    public static async Task<int> RunAsync(string file, int count)
    {
        const long hourMs = 3_600_000;
        const int hours = 168;
        var perHour = (count + hours - 1) / hours;
        var lastHour = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / hourMs - 1; // the last whole hour
        var options = new EventsOptions { File = file };
        var store = new SqliteEventStore(new SqliteEventDatabase(Options.Create(options), Options.Create(new StorageOptions())));
        var random = new Random(18);
        var watch = Stopwatch.StartNew();

        // One hour of alerts through the store, as the pipeline writes them...
        var records = new List<EventRecord>(perHour);
        for (var i = 0; i < perHour; i++)
            records.Add(Record(IdBase + i, DateTimeOffset.FromUnixTimeMilliseconds(lastHour * hourMs + hourMs * i / perHour), random));
        await store.RecordAsync(records, DateTimeOffset.UtcNow, CancellationToken.None);
        Console.Error.WriteLine($"  one hour of {perHour:N0} alerts through the store in {watch.Elapsed.TotalSeconds:F1} s");

        // ...then copied hour by hour into the 167 hours before it by SQL: new ids, times and keys (the key shifts with the
        // time), the same search entry as the store made (its columns computed here as the store computes them), the
        // hour's counts copied, and the daily counts added up from the hourly ones at the end. For speed the file is written
        // without a journal and with a large cache, a day of hours per transaction, and the time and fingerprint indexes
        // are made after the rows (the schema's own statements); the tables, tokens and counts are the ones the store writes.
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;
            DROP INDEX events_key; DROP INDEX events_fingerprint;
            CREATE TEMP TABLE template (id INTEGER PRIMARY KEY, rule TEXT, output TEXT, fields TEXT, keys TEXT);
            """;
        await command.ExecuteNonQueryAsync();
        await using (var template = connection.CreateCommand())
        {
            template.CommandText = "BEGIN; INSERT INTO temp.template VALUES ($id, $rule, $output, $fields, $keys);";
            foreach (var record in records)
            {
                var alert = record.Notification.Alert;
                template.Parameters.Clear();
                template.Parameters.AddWithValue("$id", record.InboxId);
                template.Parameters.AddWithValue("$rule", alert.Rule);
                template.Parameters.AddWithValue("$output", alert.Output);
                template.Parameters.AddWithValue("$fields", SqliteEventWriter.FieldsText(alert));
                template.Parameters.AddWithValue("$keys", SqliteEventTokens.Keys(alert));
                await template.ExecuteNonQueryAsync();
                template.CommandText = "INSERT INTO temp.template VALUES ($id, $rule, $output, $fields, $keys);";
            }
            template.CommandText = "COMMIT;";
            template.Parameters.Clear();
            await template.ExecuteNonQueryAsync();
        }
        const long keyShift = hourMs << SqliteEventKey.Bits;
        command.CommandText = $"""
            INSERT INTO events (id, key, kind, time, received, stored, priority, rule, source, hostname, namespace, tags, outcome,
                                fingerprint, summary_of, count, notification, decisions, deliveries)
              SELECT id + $k * {perHour}, key - $k * {keyShift}, kind, time - $k * {hourMs}, received - $k * {hourMs}, stored, priority,
                     rule, source, hostname, namespace, tags, outcome, fingerprint, summary_of, count, notification, decisions, deliveries
              FROM events WHERE id < {IdBase + perHour} ORDER BY seq;
            INSERT INTO events_fts (rowid, rule, output, fields, keys)
              SELECT e.key - $k * {keyShift}, t.rule, t.output, t.fields, t.keys FROM temp.template t JOIN events e USING (id) ORDER BY e.seq;
            INSERT INTO event_counts (dim, hour, priority, source, key, n)
              SELECT dim, hour - $k, priority, source, key, n FROM event_counts WHERE dim IN (0, 1, 3, 4, 5) AND hour = {lastHour};
            """;
        var k = command.Parameters.Add(new SqliteParameter("$k", 0));
        await using (var transaction = connection.BeginTransaction())
        {
            command.Transaction = transaction;
            for (var copy = 1; copy < hours; copy++)
            {
                k.Value = copy;
                await command.ExecuteNonQueryAsync();
                if (copy % 24 == 0) Console.Error.WriteLine($"  {perHour * (copy + 1):N0} events, {watch.Elapsed.TotalSeconds:F0} s");
            }
            command.Parameters.Clear();
            command.CommandText = $"""
                DELETE FROM event_days;
                INSERT INTO event_days (dim, day, priority, source, key, n)
                  SELECT dim, hour / {EventCounts.HoursPerDay}, priority, source, key, SUM(n) FROM event_counts GROUP BY 1, 2, 3, 4, 5;
                {SqliteEventSchema.Create}
                """;
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            command.Transaction = null;
        }
        Console.Error.WriteLine($"  indexes made, {watch.Elapsed.TotalSeconds:F0} s");
        command.CommandText = "PRAGMA journal_mode = WAL;";
        await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT COUNT(*) FROM events;";
        var total = (long)(await command.ExecuteScalarAsync())!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} {watch.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    private static int Skewed(Random random, int n) => (int)(Math.Pow(random.NextDouble(), 2.5) * n);

    /// <summary>
    /// <c>events-write &lt;file&gt; &lt;count&gt; &lt;batch&gt;</c>: records <c>count</c> synthetic alerts of the last hour through
    /// <see cref="SqliteEventStore.RecordAsync"/> in transactions of <c>batch</c> (as the history's writer does), after as many
    /// as warm-up, and prints the time and the CPU time per event.
    /// </summary>
    public static async Task<int> WriteAsync(string file, int count, int batch)
    {
        var store = new SqliteEventStore(new SqliteEventDatabase(Options.Create(new EventsOptions { File = file }), Options.Create(new StorageOptions())));
        var random = new Random(18);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var records = new List<EventRecord>(2 * count);
        for (var i = 0; i < 2 * count; i++) records.Add(Record(2 * IdBase + i, start.AddMilliseconds(i), random)); // above any loaded id
        async Task<(TimeSpan Wall, TimeSpan Cpu)> RunAsync(int from)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            for (var i = from; i < from + count; i += batch)
                await store.RecordAsync(records.GetRange(i, Math.Min(batch, from + count - i)), DateTimeOffset.UtcNow, CancellationToken.None);
            return (watch.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
        }
        await RunAsync(0);
        var (wall, used) = await RunAsync(count);
        Console.WriteLine($"events-write: {count:N0} events in transactions of {batch}: {wall.TotalMicroseconds / count:F1} µs/event, CPU {used.TotalMicroseconds / count:F1} µs/event");
        return 0;
    }

    private static EventRecord Record(long id, DateTimeOffset time, Random random)
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
        _ = alert.ToJson(); // as the inbox does when it accepts the alert, which keeps its JSON
        var origin = new AlertOrigin(id, time, default);
        var notification = new Notification(alert, $"{id % 50_000:x16}")
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
