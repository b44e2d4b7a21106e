using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Support;

internal static class TestAlerts
{
    public static FalcoAlert Shell(int n = 0, Priority priority = Priority.Critical, string? hostname = "falco-xczjd") => new()
    {
        Rule = "Terminal shell in container",
        Priority = priority,
        Time = new FalcoTime(1685022245478445995L + n),
        Output = $"13:44:05.478445995: {priority.ToFalcoString()} A shell was spawned in a container (user=root container_id=ee97d9c4186f n={n})",
        Source = "syscall",
        Hostname = hostname,
        Tags = ["container", "mitre_execution", "shell", "T1059"],
        OutputFields = new Dictionary<string, JsonElement>
        {
            ["container.id"] = JsonDocument.Parse("\"ee97d9c4186f\"").RootElement.Clone(),
            ["evt.time"] = JsonDocument.Parse("1685022245478445995").RootElement.Clone(),
            ["proc.name"] = JsonDocument.Parse("\"sh\"").RootElement.Clone(),
            ["k8s.ns.name"] = JsonDocument.Parse("\"default\"").RootElement.Clone(),
            ["user.loginuid"] = JsonDocument.Parse("-1").RootElement.Clone(),
        },
    };

    /// <summary>A notification of <see cref="Shell"/> from an inbox row of its own.</summary>
    public static Notification Notification(int n = 0, Priority priority = Priority.Critical) => FromInbox(Shell(n, priority), $"fp-{n:D4}");

    /// <summary>A storm summary of 42 shells in namespace default over one minute, sampling <c>proc.name</c> sh and bash.</summary>
    public static Notification StormSummary() => Notification(1) with
    {
        Digest = new AlertDigest
        {
            Count = 42,
            FirstSeen = new FalcoTime(1685022245000000000L),
            LastSeen = new FalcoTime(1685022305000000000L),
            FirstOutput = "first <shell>",
            GroupKey = new Dictionary<string, string> { ["k8s.ns.name"] = "default" },
            Samples = new Dictionary<string, IReadOnlyList<string>> { ["proc.name"] = ["sh", "bash"] },
        },
    };

    public static Notification FromInbox(FalcoAlert alert, string fingerprint) => new(alert, fingerprint) { Origin = TestInbox.NewOrigin() };
}
