using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;
using FluentValidation;

namespace FalcoHook.Api.Rules;

public static class RuleManagementServiceCollectionExtensions
{
    /// <summary>
    /// Rule management: the change service, the rules file watcher (<c>FalcoHook:Rules:Watch</c>,
    /// <c>WatchDebounce</c>), the concurrency limit of validate and test (<c>ToolsConcurrency</c>), the request
    /// validators, and the API key security scheme in the OpenAPI document. Needs <c>AddRules</c>, and the managed
    /// rules store from <c>AddStorage</c>.
    /// </summary>
    public static IServiceCollection AddRuleManagement(this IServiceCollection services)
    {
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
