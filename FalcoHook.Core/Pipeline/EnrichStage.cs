using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Enrich: adds the configured tags to the alert and sets <see cref="Notification.Enrichment"/> (severity,
/// category, techniques, indicators, recommendations — see <see cref="AlertClassifier"/> — and custom fields).
/// </summary>
public sealed class EnrichStage : IPipelineStage, IOptionalStage
{
    private readonly EnrichOptions _options;
    private readonly IReadOnlyDictionary<string, string> _customFields;

    public EnrichStage(EnrichOptions options)
    {
        _options = options;
        _customFields = new Dictionary<string, string>(options.CustomFields, StringComparer.Ordinal);
    }

    public string Name => "enrich";

    public bool Enabled => _options.Enabled;

    public ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        var enriched = new Notification[batch.Count];
        for (var i = 0; i < enriched.Length; i++) enriched[i] = Enrich(batch[i]);
        return ValueTask.FromResult<IReadOnlyList<Notification>>(enriched);
    }

    public Notification Enrich(Notification notification)
    {
        var alert = WithTags(notification.Alert);
        var category = AlertClassifier.Category(alert);
        return notification with
        {
            Alert = alert,
            Enrichment = new Enrichment
            {
                Severity = AlertClassifier.Severity(alert.Priority),
                Category = category,
                Techniques = AlertClassifier.Techniques(alert.Tags),
                Indicators = AlertClassifier.Indicators(alert),
                Recommendations = AlertClassifier.Recommendations(category),
                CustomFields = _customFields,
            },
        };
    }

    private FalcoAlert WithTags(FalcoAlert alert)
    {
        if (_options.Tags.Count == 0) return alert;
        var missing = _options.Tags.Where(t => !alert.Tags.Contains(t, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0) return alert;
        return new FalcoAlert
        {
            Rule = alert.Rule,
            Priority = alert.Priority,
            Time = alert.Time,
            Output = alert.Output,
            Source = alert.Source,
            Hostname = alert.Hostname,
            Tags = [.. alert.Tags, .. missing],
            OutputFields = alert.OutputFields,
            Extra = alert.Extra,
        };
    }
}
