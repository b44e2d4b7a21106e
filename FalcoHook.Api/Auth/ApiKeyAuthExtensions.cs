using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Auth;

public static class ApiKeyAuthExtensions
{
    public const string ReadPolicy = "falcohook.read";
    public const string WritePolicy = "falcohook.write";

    internal const string SuppressAutoDefaultScheme = "Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme";

    /// <summary>
    /// API key authentication (<see cref="ApiKeyAuthenticationHandler"/>) and the <c>read</c> / <c>write</c>
    /// policies, configured by <c>FalcoHook:Auth</c> (checked at start: every key has a name, a key and a role).
    /// </summary>
    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>, ApiKeyOptionsValidator>();
        services.AddProblemDetails();
        // No default authenticate scheme: the policies below name the API key scheme, so the authorization middleware
        // authenticates exactly the endpoints that need a key. Without this the authentication middleware would run the
        // API key handler on every request, POST / (Falco's alerts, no key) included. With one scheme registered,
        // ASP.NET Core makes it the default unless this (documented, process-wide) switch is set.
        AppContext.SetSwitch(SuppressAutoDefaultScheme, true);
        services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = ApiKeyAuthenticationHandler.SchemeName;
                options.DefaultForbidScheme = ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, ApiKeyRoleHandler>();
        services.AddHostedService<AuthStartupReport>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).AddRequirements(new ApiKeyRoleRequirement(ApiKeyRoles.Read)))
            .AddPolicy(WritePolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).AddRequirements(new ApiKeyRoleRequirement(ApiKeyRoles.Write)));
        return services;
    }

    /// <summary>The endpoint needs a read (or write) key, or an anonymous read that <see cref="AnonymousReads"/> allows.</summary>
    public static TBuilder RequireRead<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ReadPolicy);

    /// <summary>The endpoint needs a write key, or anonymous writes allowed; each call is a management action in the security event log.</summary>
    public static TBuilder RequireWrite<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.FilterFactories.Add(ManagementActionFilter.Create));
        return builder.RequireAuthorization(WritePolicy);
    }

    /// <summary>
    /// For a whole group: GET and HEAD endpoints need <c>read</c>, every other method <c>write</c> (and is recorded as a
    /// management action in the security event log, <see cref="ManagementActionFilter"/>). Applied last,
    /// so it sees each endpoint's methods: <c>app.MapSilences().RequireApiKeyRoles();</c>.
    /// </summary>
    public static TBuilder RequireApiKeyRoles<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        // Filters must be in place before the request delegate is built, which is before Finally conventions run; the
        // filter itself records only the endpoints that end up with the write policy.
        builder.Add(endpoint => endpoint.FilterFactories.Add(ManagementActionFilter.Create));
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IAuthorizeData>().Any()) return; // the endpoint chose its own policy
            var methods = endpoint.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
            var readOnly = methods.Count > 0 && methods.All(m => m is "GET" or "HEAD");
            endpoint.Metadata.Add(new AuthorizeAttribute(readOnly ? ReadPolicy : WritePolicy));
        });
        return builder;
    }
}
