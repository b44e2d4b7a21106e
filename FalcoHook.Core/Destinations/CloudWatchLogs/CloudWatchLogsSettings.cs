using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.CloudWatchLogs;

/// <summary>The keys of a <c>Type: cloudwatchlogs</c> destination besides the shared ones and <see cref="AwsSettings"/>.</summary>
public sealed class CloudWatchLogsSettings : AwsSettings
{
    /// <summary>The log group (required); it must exist.</summary>
    public string? LogGroup { get; set; }

    /// <summary>The log stream in the group.</summary>
    public string LogStream { get; set; } = "falcohook";

    /// <summary>When true, a log stream that does not exist is created (<c>CreateLogStream</c>) and the events sent again at once.</summary>
    public bool CreateLogStream { get; set; }
}
