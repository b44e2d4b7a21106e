using System.Security.Cryptography;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Replicas;

/// <summary>What the outage and rolling-restart tests send and where: distinct alerts, to one signed webhook.</summary>
internal static class ReplicaTestAlerts
{
    public static (string Id, string Json) Distinct(int index) =>
        ($"a{index}", $$$"""{"rule":"Replica test","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"replica test alert a{{{index}}}","output_fields":{"test.id":"a{{{index}}}"}}""");

    public static WebhookSink Sink(out byte[] key)
    {
        key = RandomNumberGenerator.GetBytes(32);
        return new WebhookSink(key, alert => alert.GetProperty("output_fields").GetProperty("test.id").GetString()!);
    }

    /// <summary>The replicas' settings: PostgreSQL, a webhook, quick retries, dedup and aggregation off (every alert arrives as itself).</summary>
    public static Dictionary<string, string> Settings(string connectionString, string url, byte[] key)
    {
        var settings = ReplicaSet.Settings(connectionString);
        settings["FalcoHook:Destinations:sink:Type"] = "webhook";
        settings["FalcoHook:Destinations:sink:Url"] = url;
        settings["FalcoHook:Destinations:sink:Secret"] = "whsec_" + Convert.ToBase64String(key);
        settings["FalcoHook:Destinations:sink:MaxConcurrency"] = "8";
        settings["FalcoHook:Destinations:sink:Timeout"] = "00:00:05";
        settings["FalcoHook:Delivery:InitialBackoff"] = "00:00:00.050";
        settings["FalcoHook:Delivery:MaxBackoff"] = "00:00:00.250";
        settings["FalcoHook:Delivery:PollInterval"] = "00:00:00.200";
        settings["FalcoHook:Delivery:MaxAttempts"] = "1000";
        settings["FalcoHook:Delivery:LeaseDuration"] = "00:00:10";
        settings["FalcoHook:Ingest:PollInterval"] = "00:00:00.200";
        settings["FalcoHook:Ingest:FailureBackoff"] = "00:00:00.050";
        settings["FalcoHook:Pipeline:Dedup:Enabled"] = "false";
        settings["FalcoHook:Pipeline:Aggregate:Enabled"] = "false";
        return settings;
    }
}
