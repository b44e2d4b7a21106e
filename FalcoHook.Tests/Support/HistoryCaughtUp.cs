using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Spool;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Waits until a service's history holds every event its pipeline has handed over so far: the history's writer has
/// passed what was queued and, with a writer process (the SQLite default), that process has stored what was spooled.
/// Nothing to wait for when the history is off.
/// </summary>
public static class HistoryCaughtUp
{
    public static async Task WaitAsync(IServiceProvider services)
    {
        if (services.GetService<EventHistoryWriter>() is not { } writer) return;
        await writer.WaitAsync(writer.Mark(), CancellationToken.None).WaitAsync(Eventually.DefaultTimeout);
        if (services.GetService<SpooledHistory>() is not { } spooled) return;
        var spooledThrough = spooled.Spooled;
        await Eventually.TrueAsync(() => spooled.Stored >= spooledThrough, $"the history writer process stored spool records up to {spooledThrough}");
    }
}
