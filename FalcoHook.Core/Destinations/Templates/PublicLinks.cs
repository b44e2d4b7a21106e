using FalcoHook.Core.Configuration;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>
/// Links back to an alert in FalcoHook's web UI when <c>FalcoHook:PublicUrl</c> is set: <c>{PublicUrl}/ui/events/{inbox id}</c>
/// for an alert, <c>{PublicUrl}/ui/events?rule=…</c> for a storm summary (it stands for many alerts of one rule).
/// </summary>
public sealed class PublicLinks(IOptions<FalcoHookOptions> options)
{
    public string? For(Notification notification)
    {
        var root = options.Value.PublicUrl?.TrimEnd('/');
        if (string.IsNullOrEmpty(root)) return null;
        if (notification.Digest is not null) return $"{root}/ui/events?rule={Uri.EscapeDataString(notification.Alert.Rule)}";
        return notification.Origin is { } origin ? $"{root}/ui/events/{origin.InboxId}" : null;
    }
}
