namespace FalcoHook.Core.Destinations.GoogleChat;

/// <summary>The keys of a <c>Type: googlechat</c> destination besides the shared ones.</summary>
public sealed class GoogleChatSettings
{
    /// <summary>
    /// The space's incoming webhook URL, <c>https://chat.googleapis.com/v1/spaces/{space}/messages?key=…&amp;token=…</c>
    /// (required; its <c>key</c> and <c>token</c> are the credential).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Send a card (<c>cardsV2</c>, the default) or plain text only (<c>text</c>, Google Chat's own markup).</summary>
    public GoogleChatFormat Format { get; set; } = GoogleChatFormat.Card;

    /// <summary>Puts every message in one thread of this key (a fixed text); unset: see <see cref="ThreadBy"/>.</summary>
    public string? ThreadKey { get; set; }

    /// <summary>Threads by the alert: <c>rule</c> (one thread per rule) or <c>fingerprint</c> (repeats of one alert); <c>none</c> starts no thread.</summary>
    public GoogleChatThreadBy ThreadBy { get; set; } = GoogleChatThreadBy.None;
}

public enum GoogleChatFormat
{
    Card,
    Text,
}

public enum GoogleChatThreadBy
{
    None,
    Rule,
    Fingerprint,
}
