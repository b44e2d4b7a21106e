using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Storage.Sqlite;
using FluentValidation;

namespace FalcoHook.Api.Rules;

public static class RuleManagementServiceCollectionExtensions
{
    /// <summary>
    /// Rule management: the managed rules store (SQLite, the service's database), the change service, the
    /// rules file watcher (<c>FalcoHook:Rules:Watch</c>, <c>WatchDebounce</c>), the concurrency limit of validate and
    /// test (<c>ToolsConcurrency</c>), the request validators, and the
    /// API key security scheme in the OpenAPI document. Needs <c>AddRules</c> and storage (<c>AddDelivery</c>).
    /// </summary>
    public static IServiceCollection AddRuleManagement(this IServiceCollection services)
    {
        services.AddOptions<RuleManagementOptions>()
            .BindConfiguration(RulesOptions.Section)
            .Validate(o => o.WatchDebounce >= TimeSpan.Zero, $"{RulesOptions.Section}:WatchDebounce must not be negative.")
            .ValidateOnStart();
        services.AddSingleton<IManagedRulesStore, SqliteRulesStore>();
        services.AddSingleton<RuleManagementService>();
        services.AddHostedService<RulesFileWatcher>();
        services.AddRulesToolsLimiter();
        services.AddSingleton<IValidator<RuleRequest>, RuleRequestValidator>();
        services.AddSingleton<IValidator<MacroRequest>, MacroRequestValidator>();
        services.AddSingleton<IValidator<ListRequest>, ListRequestValidator>();
        services.AddSingleton<IValidator<ValidateRequest>, ValidateRequestValidator>();
        services.AddSingleton<IValidator<TestRequest>, TestRequestValidator>();
        services.AddSingleton<IValidator<ImportRequest>, ImportRequestValidator>();
        services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", o => o.AddApiKeySecurity());
        return services;
    }
}
