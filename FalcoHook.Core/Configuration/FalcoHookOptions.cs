namespace FalcoHook.Core.Configuration;

/// <summary>
/// <c>FalcoHook</c>: the keys of the root section itself. Each feature's keys are in its own section and class
/// (<c>FalcoHook:Ingest</c>, <c>FalcoHook:Pipeline</c>…), each with a <c>Section</c> constant and a validator.
/// </summary>
public sealed class FalcoHookOptions
{
    public const string Section = "FalcoHook";

    /// <summary>
    /// This instance's name: the <c>hostname</c> of the alerts its audit rules raise and of test alerts, and the
    /// <c>service.instance.id</c> of its telemetry.
    /// </summary>
    public string InstanceName { get; set; } = "falcohook";

    /// <summary>
    /// Where people reach this instance (an absolute http(s) URL, optional): messages then link back to the alert in
    /// the web UI, <c>{PublicUrl}/ui/events/{id}</c>.
    /// </summary>
    public string? PublicUrl { get; set; }
}
