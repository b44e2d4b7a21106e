using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Events;

/// <summary>
/// A known set of 17 alerts and one storm summary as the pipeline reports them to the history, five seconds apart in
/// Falco time from 10:59:40 (alert n has id n + 1):
/// <list type="bullet">
/// <item>0–5 "Read sensitive file untrusted", Warning, node-a, syscall, tags filesystem + mitre_credential_access; fd.name
///   /etc/shadow for n &lt; 2, /etc/sudoers after; namespace payments for even n, default for odd; proc.pid n (a number).</item>
/// <item>6–9 "Terminal shell in container", Critical, node-b, syscall, tags container + shell (listed twice), namespace
///   payments, "sudo bash" in the output.</item>
/// <item>10–14 "K8s Secret Get", Notice, no hostname, k8s_audit, tag k8s, ka.target.namespace kube-system, "Zürich" in the
///   output; 12 is held into storm-2 (no summary yet), 13 and 14 into storm-1.</item>
/// <item>15–16 "Outbound connection", Error, node-d, syscall, tag network, no namespace, both at 11:00:55: 15 routed to
///   siem, 16 a repeat of it.</item>
/// <item>The summary of storm-1 (5 alerts) at 11:01:20.</item>
/// </list>
/// </summary>
internal static class KnownEvents
{
    public static readonly DateTimeOffset Base = new(2026, 11, 30, 10, 59, 40, TimeSpan.Zero);
    public const int Alerts = 17;

    public static DateTimeOffset TimeOf(int n) => Base.AddSeconds(5 * Math.Min(n, 15));

    public static IReadOnlyList<EventRecord> Records()
    {
        var records = new List<EventRecord>();
        for (var n = 0; n < 6; n++)
        {
            var fd = n < 2 ? "/etc/shadow" : "/etc/sudoers";
            records.Add(Record(n, "Read sensitive file untrusted", Priority.Warning, "node-a", "syscall", ["filesystem", "mitre_credential_access"],
                $"Warning Sensitive file opened for reading (fd.name={fd} proc.pid={n})",
                ("fd.name", $"\"{fd}\""), ("k8s.ns.name", n % 2 == 0 ? "\"payments\"" : "\"default\""), ("proc.pid", $"{n}")));
        }
        for (var n = 6; n < 10; n++)
            records.Add(Record(n, "Terminal shell in container", Priority.Critical, "node-b", "syscall", ["container", "shell", "shell"],
                "Critical A shell was spawned in a container (user=root cmd=sudo bash)", ("proc.name", "\"bash\""), ("k8s.ns.name", "\"payments\"")));
        for (var n = 10; n < 15; n++)
        {
            var storm = n switch { 12 => "storm-2", 13 or 14 => "storm-1", _ => null };
            records.Add(Record(n, "K8s Secret Get", Priority.Notice, null, "k8s_audit", ["k8s"],
                $"Notice Secret secret-{n} read by system:serviceaccount:ci in Zürich",
                [new PipelineDecision("aggregate", storm is null ? DecisionKind.Unrouted : DecisionKind.Aggregated, storm)],
                ("ka.target.name", $"\"secret-{n}\""), ("ka.target.namespace", "\"kube-system\"")));
        }
        records.Add(Record(15, "Outbound connection", Priority.Error, "node-d", "syscall", ["network"], "Error Outbound connection (fd.sip=203.0.113.7)",
            [new PipelineDecision("route", DecisionKind.Routed) { Destinations = ["siem"] }], ("fd.sip", "\"203.0.113.7\"")) with
        { Deliveries = [new EventDeliveryRef("delivery-16", "siem")] });
        records.Add(Record(16, "Outbound connection", Priority.Error, "node-d", "syscall", ["network"], "Error Outbound connection (fd.sip=203.0.113.7)",
            [new PipelineDecision("dedup", DecisionKind.Deduplicated, "fp-outbound")], ("fd.sip", "\"203.0.113.7\"")));
        records.Add(Summary());
        return records;
    }

    /// <summary>The summary of storm-1: five "K8s Secret Get" alerts.</summary>
    public static EventRecord Summary()
    {
        var alert = new FalcoAlert
        {
            Rule = "K8s Secret Get", Priority = Priority.Notice, Source = "k8s_audit", Output = "Storm: 5 alerts of K8s Secret Get",
            Time = FalcoTime.FromDateTimeOffset(Base.AddSeconds(100)), Tags = ["k8s"],
        };
        var digest = new AlertDigest { Count = 5, FirstSeen = alert.Time, LastSeen = alert.Time, FirstOutput = "first" };
        return new EventRecord(EventKind.Summary, new Notification(alert, "storm-1") { Digest = digest }, Base.AddSeconds(100), [], []);
    }

    public static EventRecord Record(int n, string rule, Priority priority, string? hostname, string source, string[] tags, string output,
        params (string Key, string Json)[] fields) =>
        Record(n, rule, priority, hostname, source, tags, output, [new PipelineDecision("route", DecisionKind.Unrouted)], fields);

    public static EventRecord Record(int n, string rule, Priority priority, string? hostname, string source, string[] tags, string output,
        IReadOnlyList<PipelineDecision> decisions, params (string Key, string Json)[] fields)
    {
        var time = TimeOf(n);
        var outputFields = new Dictionary<string, JsonElement>
        {
            ["evt.time"] = JsonDocument.Parse((time.ToUnixTimeMilliseconds() * 1_000_000).ToString()).RootElement.Clone(),
        };
        foreach (var (key, json) in fields) outputFields[key] = JsonDocument.Parse(json).RootElement.Clone();
        var alert = new FalcoAlert
        {
            Rule = rule, Priority = priority, Hostname = hostname, Source = source, Tags = tags, OutputFields = outputFields,
            Time = FalcoTime.FromDateTimeOffset(time), Output = $"{time:HH:mm:ss}.000000000: {output}",
        };
        var fingerprint = rule == "Outbound connection" ? "fp-outbound" : $"fp-{n}";
        var notification = new Notification(alert, fingerprint) { Origin = new AlertOrigin(n + 1, time, default) };
        return new EventRecord(EventKind.Alert, notification, time, decisions, []);
    }
}
