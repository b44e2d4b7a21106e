namespace FalcoHook.Core.Destinations.GrafanaOnCall;

/// <summary>
/// <c>Type: grafanaoncall</c>, Grafana OnCall's (Formatted) Webhook integration
/// (https://grafana.com/docs/oncall/latest/configure/integrations/references/webhook/): a JSON POST to the
/// integration URL (required, secret) with the fields OnCall recognises: <c>alert_uid</c>, <c>title</c>,
/// <c>message</c>, <c>state</c>, <c>link_to_upstream_details</c>.
/// </summary>
public sealed class GrafanaOnCallDestination : DestinationType<GrafanaOnCallSettings, GrafanaOnCallSender>
{
    public override string Name => "grafanaoncall";

    public override IEnumerable<string> Validate(GrafanaOnCallSettings settings, string at) => CheckUrl(settings.Url, at, required: true);

    public override Uri Endpoint(GrafanaOnCallSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(GrafanaOnCallSettings settings) =>
        Redaction.UrlSecrets(settings.Url).Concat(settings.Headers.Values.Where(v => !string.IsNullOrEmpty(v)));
}
