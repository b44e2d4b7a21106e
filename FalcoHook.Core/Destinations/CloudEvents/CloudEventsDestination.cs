namespace FalcoHook.Core.Destinations.CloudEvents;

/// <summary>
/// <c>Type: cloudevents</c>, CloudEvents 1.0 over HTTP (the HTTP Protocol Binding,
/// https://github.com/cloudevents/spec/blob/v1.0/http-protocol-binding.md), binary or structured content mode, through
/// the CloudNative.CloudEvents SDK. The URL's path and query and every header value are secrets.
/// </summary>
public sealed class CloudEventsDestination : DestinationType<CloudEventsSettings, CloudEventsSender>
{
    /// <summary>The spec's reserved attribute names, which an extension may not take.</summary>
    private static readonly string[] Reserved = ["id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data"];

    public override string Name => "cloudevents";

    public override IEnumerable<string> Validate(CloudEventsSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (settings.Mode.Trim().ToLowerInvariant() is not ("binary" or "structured")) yield return $"{at}:Mode must be binary or structured (got '{settings.Mode}')";
        if (string.IsNullOrWhiteSpace(settings.Source) || !Uri.TryCreate(settings.Source, UriKind.RelativeOrAbsolute, out _))
            yield return $"{at}:Source must be a URI reference";
        if (string.IsNullOrWhiteSpace(settings.EventType)) yield return $"{at}:EventType must not be empty";
        foreach (var name in settings.Extensions.Keys)
        {
            if (name.Length is 0 or > 20 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
                yield return $"{at}:Extensions:{name} must be 1 to 20 lower-case letters or digits";
            else if (Reserved.Contains(name)) yield return $"{at}:Extensions:{name} is a CloudEvents attribute, not an extension";
        }
    }

    public override Uri Endpoint(CloudEventsSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(CloudEventsSettings settings) =>
        Redaction.UrlSecrets(settings.Url).Concat(settings.Headers.Values.Where(v => !string.IsNullOrEmpty(v)));
}
