using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Storage;

/// <summary>
/// <c>FalcoHook:Delivery</c>, the keys of the outbox's claims on a shared database (PostgreSQL): which replica holds a
/// delivery it is sending, and for how long. A replica that dies holding claims loses them when the lease ends, and
/// another sends them. SQLite has one process per file and resets every claim at start instead.
/// </summary>
public sealed class DeliveryLeaseOptions
{
    /// <summary>
    /// This replica's name in <c>claimed_by</c>. Unique per running replica; a restart that keeps the name (a pod's
    /// name) takes its own old claims back at once. Empty: the host name and a random suffix, new at every start.
    /// </summary>
    public string InstanceId { get; set; } = "";

    /// <summary>How long a claim holds: well above a destination's send <c>Timeout</c> (10 seconds by default).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    private static readonly string Generated = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The instance id in effect.</summary>
    public string EffectiveInstanceId => string.IsNullOrWhiteSpace(InstanceId) ? Generated : InstanceId.Trim();
}

/// <summary>Checks the lease keys of <c>FalcoHook:Delivery</c> at start-up.</summary>
public sealed class DeliveryLeaseOptionsValidator : IValidateOptions<DeliveryLeaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryLeaseOptions options)
    {
        var failures = new OptionsFailures("FalcoHook:Delivery");
        failures.Positive(nameof(options.LeaseDuration), options.LeaseDuration);
        if (options.InstanceId is { Length: > 200 })
            failures.Add(nameof(options.InstanceId), $"must be at most 200 characters (got {options.InstanceId.Length}).");
        return failures.Result;
    }
}
