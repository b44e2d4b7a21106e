using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Events;

/// <summary>
/// 150 alerts over three and a half days from <see cref="Start"/> (alert i at i × 33 min + i s, id 1000 + i), so stats
/// ranges cover whole days, whole hours and parts of hours: priorities Warning, Error, Critical, Notice and Informational
/// in turn; source k8s_audit for every third, syscall otherwise; hostname node-(i mod 4), none for every fifth; tags "a"
/// and "b", "b" twice, or none; namespace payments or default for even i, none for odd.
/// </summary>
internal static class DayEvents
{
    public static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    public const int Count = 150;
    private static readonly Priority[] Priorities = [Priority.Warning, Priority.Error, Priority.Critical, Priority.Notice, Priority.Informational];

    public static DateTimeOffset TimeOf(int i) => Start.AddMinutes(33 * i).AddSeconds(i);

    public static string? NamespaceOf(long id) => (id - 1000) % 2 == 0 ? ((id - 1000) % 4 == 0 ? "payments" : "default") : null;

    public static IReadOnlyList<EventRecord> Records() => [.. Enumerable.Range(0, Count).Select(Record)];

    private static EventRecord Record(int i)
    {
        var time = TimeOf(i);
        var fields = new Dictionary<string, JsonElement> { ["proc.name"] = JsonSerializer.SerializeToElement("bash") };
        if (NamespaceOf(1000 + i) is { } ns) fields["k8s.ns.name"] = JsonSerializer.SerializeToElement(ns);
        var alert = new FalcoAlert
        {
            Rule = $"Rule {i % 7}",
            Priority = Priorities[i % Priorities.Length],
            Time = FalcoTime.FromDateTimeOffset(time),
            Output = $"alert {i} from bash",
            Source = i % 3 == 0 ? "k8s_audit" : "syscall",
            Hostname = i % 5 == 0 ? null : $"node-{i % 4}",
            Tags = (i % 3) switch { 0 => ["a", "b"], 1 => ["b", "b"], _ => [] },
            OutputFields = fields,
        };
        var notification = new Notification(alert, $"day-{i}") { Origin = new AlertOrigin(1000 + i, time, default) };
        return new EventRecord(EventKind.Alert, notification, time, [new PipelineDecision("route", DecisionKind.Unrouted)], []);
    }
}
