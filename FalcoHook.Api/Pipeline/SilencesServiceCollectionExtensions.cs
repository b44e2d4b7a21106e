using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Silences;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FalcoHook.Api.Pipeline;

public static class SilencesServiceCollectionExtensions
{
    /// <summary>
    /// Silences: the API's request validator, and an in-memory <see cref="ISilenceStore"/> for a host without
    /// storage (AddStorage's durable store is the one resolved whenever it is registered, before or after this).
    /// </summary>
    public static IServiceCollection AddSilences(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISilenceStore, InMemorySilenceStore>();
        services.AddSingleton<IValidator<CreateSilenceRequest>, CreateSilenceRequestValidator>();
        return services;
    }
}
