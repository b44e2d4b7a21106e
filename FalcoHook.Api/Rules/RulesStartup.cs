using FalcoHook.Core.Rules;

namespace FalcoHook.Api.Rules;

/// <summary>Loads the rules before the server takes requests.</summary>
internal sealed partial class RulesStartup(RuleSetHolder rules, ILogger<RulesStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var set = rules.Reload();
        foreach (var warning in set.Diagnostics.Where(d => !d.IsError)) LogWarning(logger, warning.ToString());
        LogLoaded(logger, set.Rules.Count, set.Rules.Count(r => r.IsEvaluated), rules.ConfiguredFiles().Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private static partial void LogWarning(ILogger logger, string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Rules} rules ({Evaluated} evaluated) from {Files} files")]
    private static partial void LogLoaded(ILogger logger, int rules, int evaluated, int files);
}
