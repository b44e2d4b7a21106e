namespace FalcoHook.Core.Destinations.Teams;

/// <summary>
/// <c>Type: teams</c>, a Microsoft Teams Workflows webhook: <c>Url</c> required and secret. Checked against
/// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
/// (a <c>message</c> whose <c>attachments</c> hold one Adaptive Card, <c>contentType</c>
/// <c>application/vnd.microsoft.card.adaptive</c>, <c>contentUrl</c> null; messages up to 28 KB; at most 4 requests
/// a second per webhook: the default rate) and https://adaptivecards.io/explorer/ (<c>TextBlock</c>,
/// <c>Container</c> styles, <c>FactSet</c>, <c>Action.OpenUrl</c>). Workflows answers 202 Accepted.
/// </summary>
public sealed class TeamsDestination : DestinationType<TeamsSettings, TeamsSender>
{
    public override string Name => "teams";

    public override double DefaultRatePerSecond => 4;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(TeamsSettings settings, string at) => CheckUrl(settings.Url, at, required: true);

    public override Uri Endpoint(TeamsSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(TeamsSettings settings) => Redaction.UrlSecrets(settings.Url);
}
