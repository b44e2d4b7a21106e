namespace FalcoHook.Core.Alerts;

/// <summary>
/// Falco's priorities. Higher values are more severe, so "at least Warning" reads <c>p &gt;= Priority.Warning</c>.
/// </summary>
public enum Priority
{
    Debug = 0,
    Informational = 1,
    Notice = 2,
    Warning = 3,
    Error = 4,
    Critical = 5,
    Alert = 6,
    Emergency = 7,
}

public static class Priorities
{
    /// <summary>Parses a priority the way Falco does: any case, <c>info</c> as an alias of Informational.</summary>
    public static bool TryParse(string? text, out Priority priority)
    {
        // Compared in place, ignoring case: what Falco sends ("Critical") costs no copy and no lower-casing.
        var name = text.AsSpan().Trim();
        for (priority = Priority.Debug; priority <= Priority.Emergency; priority++)
            if (name.Equals(priority.ToFalcoString(), StringComparison.OrdinalIgnoreCase)) return true;
        priority = Priority.Informational;
        if (name.Equals("info", StringComparison.OrdinalIgnoreCase)) return true;
        priority = default;
        return false;
    }

    /// <summary>The name Falco writes in alerts: <c>Critical</c>, <c>Informational</c>…</summary>
    public static string ToFalcoString(this Priority priority) => priority switch
    {
        Priority.Emergency => "Emergency",
        Priority.Alert => "Alert",
        Priority.Critical => "Critical",
        Priority.Error => "Error",
        Priority.Warning => "Warning",
        Priority.Notice => "Notice",
        Priority.Informational => "Informational",
        Priority.Debug => "Debug",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, null),
    };

    public const string Names = "emergency, alert, critical, error, warning, notice, informational (or info), debug";
}
