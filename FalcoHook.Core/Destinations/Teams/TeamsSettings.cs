namespace FalcoHook.Core.Destinations.Teams;

/// <summary>The keys of a <c>Type: teams</c> destination besides the shared ones.</summary>
public sealed class TeamsSettings
{
    /// <summary>The Workflows (Power Automate) webhook URL of a "post to a channel when a webhook request is received" flow (required; its <c>sig</c> is the credential).</summary>
    public string? Url { get; set; }
}
