namespace FalcoHook.Core.Destinations.RocketChat;

/// <summary>The keys of a <c>Type: rocketchat</c> destination besides the shared ones.</summary>
public sealed class RocketChatSettings
{
    /// <summary>The incoming webhook URL, <c>https://chat.example.com/hooks/{id}/{token}</c> (required; the token is the credential).</summary>
    public string? Url { get; set; }

    /// <summary>Overrides the integration's channel (<c>#channel</c> or <c>@user</c>).</summary>
    public string? Channel { get; set; }

    /// <summary>The name shown instead of the integration's user.</summary>
    public string? Alias { get; set; }

    /// <summary>An emoji as avatar, e.g. <c>:rotating_light:</c>.</summary>
    public string? Emoji { get; set; }

    /// <summary>An image URL as avatar.</summary>
    public string? Avatar { get; set; }
}
