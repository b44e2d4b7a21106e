namespace FalcoHook.Core.Destinations.Splunk;

/// <summary>
/// <c>Type: splunk</c>: batches of alerts to the Splunk HTTP Event Collector. API reference:
/// https://help.splunk.com/splunk-enterprise/get-data-in/collect-http-event-data/format-events-for-http-event-collector
/// (<c>POST /services/collector/event</c>, <c>Authorization: Splunk &lt;token&gt;</c>, several event objects one after
/// the other in one body, each <c>{"time","host","source","sourcetype","index"?,"event"}</c>; answer
/// <c>{"text":"Success","code":0}</c>). HEC has no idempotency key: a batch sent again after a failure that Splunk had
/// indexed is indexed twice.
/// </summary>
public sealed class SplunkDestination : DestinationType<SplunkSettings, SplunkSender>
{
    public override string Name => "splunk";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(SplunkSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.Token)) yield return $"{at}:Token is required for type {Name}";
    }

    public override Uri Endpoint(SplunkSettings settings) => new(settings.Url!.TrimEnd('/') + "/services/collector/event", UriKind.Absolute);

    public override IEnumerable<string> Secrets(SplunkSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Token)) yield return settings.Token;
    }
}
