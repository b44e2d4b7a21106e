using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;

namespace FalcoHook.Api.Rules;

/// <summary>
/// Loads the rules before the server takes requests: the files, then the managed rules (written through the
/// API) when rule management is registered.
/// </summary>
internal sealed partial class RulesStartup(RuleSetHolder rules, IServiceProvider services, ILogger<RulesStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IManagedRulesStore>() is { } store &&
            await store.LoadAsync(cancellationToken) is { } stored)
        {
            var errors = new List<RuleDiagnostic>();
            var managed = ManagedDocument.Parse(stored.Yaml, stored.Version, ManagedDocument.FileName, errors)
                          ?? throw new RulesLoadException("The stored managed rules do not parse.", errors);
            rules.UseManaged(managed);
        }
        var set = rules.Reload();
        foreach (var warning in set.Diagnostics.Where(d => !d.IsError)) LogWarning(logger, warning.ToString());
        LogLoaded(logger, set.Rules.Count, set.Rules.Count(r => r.IsEvaluated), rules.Files.Count, rules.Managed.Items.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Diagnostic}")]
    private static partial void LogWarning(ILogger logger, string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Rules} rules ({Evaluated} evaluated) from {Files} files and {Managed} managed items")]
    private static partial void LogLoaded(ILogger logger, int rules, int evaluated, int files, int managed);
}
