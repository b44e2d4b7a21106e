using System.Diagnostics;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// Replicas of the real service as child processes (<see cref="ServiceProcess"/>), all with the same settings (one
/// PostgreSQL database), each in a slot that a kill empties and a restart fills again. A replica's output says when it
/// leads (the coordination logs at Information) and when it stepped down.
/// </summary>
public sealed class ReplicaSet(string directory, IReadOnlyDictionary<string, string> settings, HttpClient http) : IAsyncDisposable
{
    private readonly List<ServiceProcess?> _slots = [];

    /// <summary>Settings every replica of a test gets besides its own: the coordination's log lines, and little else.</summary>
    public static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["FalcoHook:Storage:Provider"] = "postgres",
        // A machine running three replicas, PostgreSQL and the test may take a while to open a connection.
        ["FalcoHook:Storage:ConnectionString"] = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timeout = 60, CommandTimeout = 60 }.ConnectionString,
        ["FalcoHook:Storage:FailoverTimeout"] = "00:00:02",
        // The alert history is a SQLite file of each replica's own (shared here by the replicas' one folder); these
        // tests are about delivery.
        ["FalcoHook:Events:Enabled"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
        ["Logging:LogLevel:FalcoHook.Core.Coordination"] = "Information",
        ["Logging:LogLevel:FalcoHook.Core.Delivery"] = "Error", // a retry logs a warning: the receivers fail on purpose
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
    };

    public ServiceProcess this[int slot] => _slots[slot] ?? throw new InvalidOperationException($"replica {slot} is not running");

    public int Count => _slots.Count;

    /// <summary>The last lines of every running replica (for a failure's message).</summary>
    public string Output => string.Join("\n---\n", _slots.OfType<ServiceProcess>().Select(s => s.RecentOutput));

    /// <summary>Starts a replica in <paramref name="slot"/> (a new slot when it is <see cref="Count"/>) and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(int slot)
    {
        var replica = ServiceProcess.Start(directory, settings);
        if (slot == _slots.Count) _slots.Add(replica);
        else _slots[slot] = replica;
        await replica.WaitUntilReadyAsync(http);
        return replica;
    }

    /// <summary>SIGKILL: the replica is gone at once, its sessions with it.</summary>
    public async Task KillAsync(int slot)
    {
        var replica = this[slot];
        replica.Kill();
        _slots[slot] = null;
        await replica.DisposeAsync();
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the replica finishes what it took and exits.</summary>
    public async Task StopAsync(int slot)
    {
        var replica = this[slot];
        using (var kill = Process.Start("kill", ["-TERM", replica.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {replica.Id} failed ({kill.ExitCode})");
        }
        await Eventually.TrueAsync(() => replica.HasExited, $"replica {slot} to exit after SIGTERM", TimeSpan.FromSeconds(30), () => replica.RecentOutput);
        _slots[slot] = null;
        await replica.DisposeAsync();
    }

    /// <summary>The running replica that leads now (its latest coordination line says so), or null.</summary>
    public int? Leader()
    {
        for (var slot = 0; slot < _slots.Count; slot++)
            if (_slots[slot] is { HasExited: false } replica && Leads(replica.RecentOutput)) return slot;
        return null;
    }

    private static bool Leads(string output) =>
        output.LastIndexOf(" leads: ", StringComparison.Ordinal) > output.LastIndexOf(" stepped down ", StringComparison.Ordinal);

    /// <summary>Waits until a running replica other than <paramref name="not"/> leads; returns it and how long that took.</summary>
    public async Task<(int Slot, TimeSpan After)> NextLeaderAsync(int? not, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (Leader() is { } leader && leader != not) return (leader, watch.Elapsed);
            await Task.Delay(10);
        }
        throw new TimeoutException($"no replica took over within {timeout}:\n" + string.Join("\n---\n", _slots.OfType<ServiceProcess>().Select(s => s.RecentOutput)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _slots.OfType<ServiceProcess>()) await replica.DisposeAsync();
    }
}
