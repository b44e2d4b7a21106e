using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Telemetry;

/// <summary>Where the security event log writes its records (<c>FalcoHook:SecurityEvents:Output</c>).</summary>
public enum SecurityEventOutput
{
    /// <summary>One JSON object per line on standard output, written in batches (<see cref="JsonLinesSecurityEventOutput"/>).</summary>
    ConsoleJson,

    /// <summary>One <c>ILogger</c> record per alert, through whatever providers logging has (<see cref="LoggerSecurityEventOutput"/>).</summary>
    Log,

    /// <summary>No records.</summary>
    None,
}

/// <summary><c>FalcoHook:SecurityEvents</c>: the security event log's output.</summary>
public sealed class SecurityEventLogOptions
{
    public const string Section = "FalcoHook:SecurityEvents";

    /// <summary><c>console-json</c> (default), <c>log</c> or <c>none</c>; see <see cref="SecurityEventOutput"/>.</summary>
    public string Output { get; set; } = "console-json";

    /// <summary><see cref="Output"/> parsed; <see cref="SecurityEventLogOptionsValidator"/> refuses any other value.</summary>
    public SecurityEventOutput OutputKind => Output.ToLowerInvariant() switch
    {
        "log" => SecurityEventOutput.Log,
        "none" => SecurityEventOutput.None,
        _ => SecurityEventOutput.ConsoleJson,
    };
}

/// <summary>Checks <c>FalcoHook:SecurityEvents</c> at start-up.</summary>
public sealed class SecurityEventLogOptionsValidator : IValidateOptions<SecurityEventLogOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityEventLogOptions options)
    {
        var failures = new OptionsFailures(SecurityEventLogOptions.Section);
        if (options.Output?.ToLowerInvariant() is not ("console-json" or "log" or "none"))
            failures.Add(nameof(options.Output), $"must be 'console-json', 'log' or 'none' (got '{options.Output}').");
        return failures.Result;
    }
}
