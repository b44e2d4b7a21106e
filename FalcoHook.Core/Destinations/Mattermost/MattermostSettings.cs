namespace FalcoHook.Core.Destinations.Mattermost;

/// <summary>The keys of a <c>Type: mattermost</c> destination besides the shared ones.</summary>
public sealed class MattermostSettings
{
    /// <summary>The incoming webhook URL, <c>https://mattermost.example.com/hooks/{key}</c> (required; the key is the credential).</summary>
    public string? Url { get; set; }

    /// <summary>Overrides the webhook's channel (when the webhook allows it).</summary>
    public string? Channel { get; set; }

    public string? Username { get; set; }

    public string? IconUrl { get; set; }

    public string? IconEmoji { get; set; }
}
