using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Rules;

public static class RulesServiceCollectionExtensions
{
    /// <summary>
    /// The rules engine: field providers (k8s_audit, falco_alert), <c>FalcoHook:Rules</c>, the running rule set
    /// (loaded at start; rules that do not compile stop start-up with every <c>file:line:col</c> error), the audit
    /// evaluator, the Falco-syntax condition compiler for the pipeline, and a readiness check.
    /// </summary>
    public static IServiceCollection AddRules(this IServiceCollection services)
    {
        services.AddOptions<RulesOptions>()
            .BindConfiguration(RulesOptions.Section)
            .PostConfigure(o => { if (o.Paths.Count == 0) o.Paths.Add("rules/k8s_audit"); })
            .Validate(o => o.Matching is "first" or "all" or "First" or "All",
                $"{RulesOptions.Section}:Matching must be 'first' or 'all'.")
            .Validate(o => o.ToolsTimeout > TimeSpan.Zero && o.ToolsTimeout <= TimeSpan.FromMinutes(10),
                $"{RulesOptions.Section}:ToolsTimeout must be more than 0 and at most 00:10:00.")
            .Validate(o => o.ToolsConcurrency is >= 1 and <= 64, $"{RulesOptions.Section}:ToolsConcurrency must be between 1 and 64.")
            .ValidateOnStart();
        services.AddSingleton<K8sAuditFieldProvider>();
        services.AddSingleton<FalcoAlertFieldProvider>();
        services.AddSingleton<IFieldProvider>(sp => sp.GetRequiredService<K8sAuditFieldProvider>());
        services.AddSingleton<IFieldProvider>(sp => sp.GetRequiredService<FalcoAlertFieldProvider>());
        services.AddSingleton(sp => new RuleSetHolder(
            sp.GetServices<IFieldProvider>(),
            sp.GetRequiredService<IOptionsMonitor<RulesOptions>>(),
            RulesBaseDirectory(sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<IOptionsMonitor<RulesOptions>>())));
        services.AddHostedService<RulesStartup>();
        services.AddSingleton<AuditEvaluator>();
        services.AddSingleton<IAlertConditionCompiler, FalcoAlertConditionCompiler>();
        services.AddHealthChecks().Add(new HealthCheckRegistration("rules",
            sp => new RulesLoadedCheck(sp.GetRequiredService<RuleSetHolder>()), HealthStatus.Unhealthy, [HealthApi.ReadyTag]));
        return services;
    }

    /// <summary>
    /// Relative rules paths are taken from the working directory (the repository root under
    /// <c>dotnet run</c>, /app in the image); when none of them exists there, from beside the binaries, where
    /// the build copies <c>rules/</c>.
    /// </summary>
    private static string RulesBaseDirectory(IHostEnvironment environment, IOptionsMonitor<RulesOptions> options)
    {
        var root = environment.ContentRootPath;
        var paths = options.CurrentValue.Paths;
        var anyHere = paths.Any(p => Path.Exists(Path.GetFullPath(p, root)));
        return anyHere || paths.All(Path.IsPathRooted) ? root : AppContext.BaseDirectory;
    }

    private sealed class RulesLoadedCheck(RuleSetHolder rules) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(rules.Loaded
                ? HealthCheckResult.Healthy($"{rules.Current.Rules.Count} rules")
                : HealthCheckResult.Unhealthy("rules not loaded"));
    }
}
