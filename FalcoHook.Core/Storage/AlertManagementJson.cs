using System.Text.Json;
using System.Text.Json.Serialization;
using FalcoHook.Core.Inhibition;
using FalcoHook.Core.TimeIntervals;

namespace FalcoHook.Core.Storage;

/// <summary>
/// How inhibition rules and time intervals put through the API are stored: their definitions as JSON (the shape of
/// configuration, camelCase), one row per kind and name in <c>alert_management</c>.
/// </summary>
public static class AlertManagementJson
{
    /// <summary>The <c>kind</c> of an inhibition rule's row.</summary>
    public const string InhibitRule = "inhibit_rule";

    /// <summary>The <c>kind</c> of a time interval's row.</summary>
    public const string TimeInterval = "time_interval";

    public static string Write(InhibitRuleOptions rule) => JsonSerializer.Serialize(rule, AlertManagementJsonContext.Default.InhibitRuleOptions);

    public static string Write(IReadOnlyList<TimeIntervalOptions> intervals) =>
        JsonSerializer.Serialize([.. intervals], AlertManagementJsonContext.Default.ListTimeIntervalOptions);

    public static InhibitRuleOptions ReadInhibitRule(string json) =>
        JsonSerializer.Deserialize(json, AlertManagementJsonContext.Default.InhibitRuleOptions) ?? new InhibitRuleOptions();

    public static List<TimeIntervalOptions> ReadTimeIntervals(string json) =>
        JsonSerializer.Deserialize(json, AlertManagementJsonContext.Default.ListTimeIntervalOptions) ?? [];
}

[JsonSerializable(typeof(InhibitRuleOptions))]
[JsonSerializable(typeof(List<TimeIntervalOptions>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class AlertManagementJsonContext : JsonSerializerContext;
