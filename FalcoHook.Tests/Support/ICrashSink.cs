namespace FalcoHook.Tests.Support;

/// <summary>What the crash tests' kill-and-restart loop reads from the receiving end (a webhook, a bulk API fake…).</summary>
public interface ICrashSink
{
    /// <summary>Distinct alerts received.</summary>
    int DeliveredAlerts { get; }

    int Requests { get; }

    /// <summary>Requests failed on purpose.</summary>
    int Failed { get; }

    /// <summary>Alerts that arrived more than once (as the sink counts a repeat).</summary>
    int Repeats { get; }

    bool HasDelivered(string alert);
}
