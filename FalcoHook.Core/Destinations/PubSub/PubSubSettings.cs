namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>The keys of a <c>Type: pubsub</c> destination besides the shared ones.</summary>
public sealed class PubSubSettings
{
    /// <summary>The Google Cloud project id (required).</summary>
    public string? Project { get; set; }

    /// <summary>The topic id in the project (required).</summary>
    public string? Topic { get; set; }

    /// <summary>A service-account key file (the JSON Google's console downloads); this or <see cref="Credentials"/> is required unless <see cref="Endpoint"/> is an emulator.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>The service-account key itself: its JSON, or that JSON in base64 (Falcosidekick's <c>gcp.credentials</c>). A secret: masked wherever it could show.</summary>
    public string? Credentials { get; set; }

    /// <summary>
    /// The API's base URL instead of <c>https://pubsub.googleapis.com</c>: a regional or private endpoint, the Pub/Sub
    /// emulator (which takes requests without credentials) or a test fake.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Attributes every message carries besides FalcoHook's own (<c>priority</c>, <c>rule</c>, <c>source</c>, <c>hostname</c>, <c>delivery_id</c>).</summary>
    public Dictionary<string, string> Attributes { get; set; } = [];

    /// <summary>A field whose value is each message's <c>orderingKey</c> (a subscription with message ordering gets alerts of one key in order); unset means none.</summary>
    public string? OrderingKey { get; set; }
}
