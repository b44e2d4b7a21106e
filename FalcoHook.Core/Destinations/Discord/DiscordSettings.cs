namespace FalcoHook.Core.Destinations.Discord;

/// <summary>The keys of a <c>Type: discord</c> destination besides the shared ones.</summary>
public sealed class DiscordSettings
{
    /// <summary>The channel's webhook URL, <c>https://discord.com/api/webhooks/{id}/{token}</c> (required; the token is the credential).</summary>
    public string? Url { get; set; }

    /// <summary>Overrides the webhook's default name.</summary>
    public string? Username { get; set; }

    /// <summary>Overrides the webhook's default avatar.</summary>
    public string? AvatarUrl { get; set; }
}
