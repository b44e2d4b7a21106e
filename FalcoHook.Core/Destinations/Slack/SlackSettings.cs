namespace FalcoHook.Core.Destinations.Slack;

/// <summary>The keys of a <c>Type: slack</c> destination besides the shared ones.</summary>
public sealed class SlackSettings
{
    /// <summary>The incoming webhook URL (required; its path is the credential).</summary>
    public string? Url { get; set; }

    public string? Channel { get; set; }
    public string? Username { get; set; }
    public string? IconEmoji { get; set; }
    public string? IconUrl { get; set; }
}
