using FalcoHook.Core.Silences;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Silence: a notification matched by a silence active now (pipeline clock) is counted
/// (<c>falcohook.pipeline.silenced</c>) and not sent.
/// </summary>
public sealed class SilenceStage(ISilenceStore store, TimeProvider time, PipelineTelemetry telemetry, SilenceOptions? options = null)
    : IPipelineStage, IOptionalStage
{
    public string Name => "silence";

    public bool Enabled => options?.Enabled ?? true;

    public async ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return batch;
        var now = time.GetUtcNow();
        var active = (await store.ListAsync(cancellationToken)).Where(s => s.IsActiveAt(now)).ToList();
        if (active.Count == 0) return batch;
        var output = new List<Notification>(batch.Count);
        foreach (var notification in batch)
        {
            if (active.Any(s => s.Matches(notification.Alert))) telemetry.Silenced.Add(1);
            else output.Add(notification);
        }
        return output;
    }
}
