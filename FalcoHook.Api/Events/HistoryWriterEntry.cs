using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using FalcoHook.Core.Events.Spool;

namespace FalcoHook.Api.Events;

/// <summary>
/// <c>FalcoHook.Api history-writer &lt;spool folder&gt; &lt;history file&gt;</c>: the history writer process
/// (<see cref="HistoryWriterProcess"/>), which the service starts itself (<see cref="SpooledHistory"/>). Every thread of
/// it runs at <c>SCHED_IDLE</c> on Linux: it gets a core only when nothing else wants one. Its warnings and errors go to
/// standard error, which the service logs.
/// </summary>
public static class HistoryWriterEntry
{
    private const int SchedIdle = 5;

    public static bool IsRequested(string[] args) => args is [HistoryWriterProcess.Command, _, _];

    public static async Task<int> RunAsync(string[] args)
    {
        using var loggers = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(console => console.SingleLine = true)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        if (!TryRunIdle(out var error)) loggers.CreateLogger(typeof(HistoryWriterEntry)).LogWarning("Runs at normal CPU priority: {Error}", error);
        return await HistoryWriterProcess.RunAsync(args[1], args[2], Console.In, Console.Out, loggers);
    }

    /// <summary>How the service starts the process: the way it was started itself (its apphost, or <c>dotnet</c> and this assembly).</summary>
    public static ProcessStartInfo StartInfo(string spoolFolder, string historyFile)
    {
        var host = Environment.ProcessPath;
        ProcessStartInfo info;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "FalcoHook.Api") info = new ProcessStartInfo(host);
        else
        {
            info = new ProcessStartInfo(host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet");
            info.ArgumentList.Add(typeof(HistoryWriterEntry).Assembly.Location);
        }
        info.ArgumentList.Add(HistoryWriterProcess.Command);
        info.ArgumentList.Add(spoolFolder);
        info.ArgumentList.Add(historyFile);
        // One writer thread needs no server GC's heap per core.
        info.Environment["DOTNET_gcServer"] = "0";
        return info;
    }

    /// <summary>Moves every thread of this process to SCHED_IDLE (threads started later inherit it); false with the reason when it cannot.</summary>
    public static bool TryRunIdle(out string? error)
    {
        error = null;
        if (!OperatingSystem.IsLinux())
        {
            error = "SCHED_IDLE is Linux's";
            return false;
        }
        var param = new SchedParam();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
            if (SchedSetScheduler(tid, SchedIdle, ref param) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == 3) continue; // ESRCH: the thread ended meanwhile
                error = $"sched_setscheduler failed with errno {errno}";
                return false;
            }
        }
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static extern int SchedSetScheduler(int pid, int policy, ref SchedParam param);
}
