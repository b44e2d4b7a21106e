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
        priority = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (TryParseFalcoString(text, out priority)) return true; // what Falco sends: no copy, no lower-casing

        switch (text.Trim().ToLowerInvariant())
        {
            case "emergency": priority = Priority.Emergency; return true;
            case "alert": priority = Priority.Alert; return true;
            case "critical": priority = Priority.Critical; return true;
            case "error": priority = Priority.Error; return true;
            case "warning": priority = Priority.Warning; return true;
            case "notice": priority = Priority.Notice; return true;
            case "informational" or "info": priority = Priority.Informational; return true;
            case "debug": priority = Priority.Debug; return true;
            default: return false;
        }
    }

    private static bool TryParseFalcoString(string text, out Priority priority)
    {
        switch (text)
        {
            case "Emergency": priority = Priority.Emergency; return true;
            case "Alert": priority = Priority.Alert; return true;
            case "Critical": priority = Priority.Critical; return true;
            case "Error": priority = Priority.Error; return true;
            case "Warning": priority = Priority.Warning; return true;
            case "Notice": priority = Priority.Notice; return true;
            case "Informational": priority = Priority.Informational; return true;
            case "Debug": priority = Priority.Debug; return true;
            default: priority = default; return false;
        }
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
