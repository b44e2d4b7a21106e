namespace FalcoHook.Core.Destinations.CloudEvents;

/// <summary>The keys of a <c>Type: cloudevents</c> destination besides the shared ones.</summary>
public sealed class CloudEventsSettings
{
    /// <summary>Where to POST the event (required): a Knative broker or service, Falco Talon, any CloudEvents receiver.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// <c>binary</c> (default: the body is the Falco alert as is, the attributes are <c>ce-*</c> headers; what Falco
    /// Talon and Knative expect) or <c>structured</c> (the whole event as <c>application/cloudevents+json</c>).
    /// </summary>
    public string Mode { get; set; } = "binary";

    /// <summary>The event's <c>source</c> (a URI reference).</summary>
    public string Source { get; set; } = "falcohook";

    /// <summary>The event's <c>type</c>.</summary>
    public string EventType { get; set; } = "falco.alert.v1";

    /// <summary>Extension attributes added to every event (names: lower-case letters and digits).</summary>
    public Dictionary<string, string> Extensions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Extra request headers; their values are secrets.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
