using FalcoHook.Core.Silences;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Silence: a notification matched by a silence active now (pipeline clock) is counted
/// (<c>falcohook.pipeline.silenced</c>) and not sent.
/// </summary>
public sealed class SilenceStage(ISilenceStore store, TimeProvider time, PipelineTelemetry telemetry, SilenceOptions? options = null)
    : IPipelineStage, IOptionalStage, IExplainingStage
{
    // The silence that held each notification of the last batch back (the pipeline asks right after the batch).
    private readonly Dictionary<Notification, string> _heldBy = new(ReferenceEqualityComparer.Instance);

    public string Name => "silence";

    public bool Enabled => options?.Enabled ?? true;

    public async ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        _heldBy.Clear();
        if (batch.Count == 0) return batch;
        var now = time.GetUtcNow();
        var active = (await store.ListAsync(cancellationToken)).Where(s => s.IsActiveAt(now)).ToList();
        if (active.Count == 0) return batch;
        var output = new List<Notification>(batch.Count);
        foreach (var notification in batch)
        {
            var silence = active.FirstOrDefault(s => s.Matches(notification.Alert));
            if (silence is null)
            {
                output.Add(notification);
                continue;
            }
            telemetry.Silenced.Add(1);
            _heldBy[notification] = silence.Id;
        }
        return output;
    }

    public PipelineDecision Explain(Notification held) => new(Name, DecisionKind.Silenced, _heldBy.GetValueOrDefault(held));
}
