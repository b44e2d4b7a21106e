using FalcoHook.Core.Ingest;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Hears of each batch the handler chain has handled (called after the pipeline returned, so a batch that failed
/// is not reported). Optional: none is registered in production; tests register one to see what left the inbox.
/// </summary>
public interface IAlertBatchObserver
{
    void Handled(IReadOnlyList<InboxAlert> batch);
}
