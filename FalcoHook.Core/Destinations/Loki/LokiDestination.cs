using System.Text.RegularExpressions;

namespace FalcoHook.Core.Destinations.Loki;

/// <summary>
/// <c>Type: loki</c>: batches of alerts through Loki's push API, JSON body. API reference:
/// https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs (<c>POST /loki/api/v1/push</c>,
/// <c>{"streams":[{"stream":{labels},"values":[["&lt;unix ns&gt;","&lt;line&gt;"]]}]}</c>, 204 on success,
/// <c>X-Scope-OrgID</c> for the tenant). Loki keeps one entry of identical line and timestamp in a stream, so a batch
/// sent again adds nothing twice: each line is the alert's JSON and its timestamp the alert's time.
/// </summary>
public sealed partial class LokiDestination : DestinationType<LokiSettings, LokiSender>
{
    public override string Name => "loki";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(LokiSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (settings.LabelFields.Any(string.IsNullOrWhiteSpace)) yield return $"{at}:Labels must name fields (one is empty)";
        foreach (var (name, _) in settings.ExtraLabels)
            if (!LabelName().IsMatch(name)) yield return $"{at}:ExtraLabels:{name} is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*)";
        if (string.IsNullOrEmpty(settings.Username) != string.IsNullOrEmpty(settings.Password)) yield return $"{at}:Username and Password go together";
    }

    public override Uri Endpoint(LokiSettings settings) => new(settings.Url!.TrimEnd('/') + "/loki/api/v1/push", UriKind.Absolute);

    public override IEnumerable<string> Secrets(LokiSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    internal static partial Regex LabelName();
}
