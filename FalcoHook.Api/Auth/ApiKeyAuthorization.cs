using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Auth;

/// <summary>A role an endpoint needs: <c>read</c> (a read or write key) or <c>write</c> (a write key).</summary>
public sealed class ApiKeyRoleRequirement(string role) : IAuthorizationRequirement
{
    public string Role { get; } = role;
}

/// <summary>
/// Grants <see cref="ApiKeyRoleRequirement"/> to a key with the role (write includes read), or to a request with
/// no key at all when <see cref="AnonymousReads"/> / <c>AllowAnonymousWrites</c> allows it.
/// </summary>
public sealed class ApiKeyRoleHandler(IOptionsMonitor<ApiKeyOptions> options) : AuthorizationHandler<ApiKeyRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRoleRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (user.HasClaim(ClaimTypes.Role, ApiKeyRoles.Write) ||
                (requirement.Role == ApiKeyRoles.Read && user.HasClaim(ClaimTypes.Role, ApiKeyRoles.Read)))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
        var http = context.Resource as HttpContext;
        var rejected = http?.Items.ContainsKey(ApiKeyAuthenticationHandler.KeyRejected) == true;
        var anonymousAllowed = requirement.Role == ApiKeyRoles.Read
            ? AnonymousReads.Allowed(options.CurrentValue, http)
            : options.CurrentValue.AllowAnonymousWrites;
        if (!rejected && anonymousAllowed) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
