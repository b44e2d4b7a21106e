using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Auth;

/// <summary>
/// <c>FalcoHook:Auth</c>: API keys for the management endpoints. A <c>write</c> key may also read.
/// Reads need a key, except from this machine while no key is configured (<see cref="AllowAnonymousReads"/>);
/// writes answer 401 without a key unless <see cref="AllowAnonymousWrites"/> (for development only) is set.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "FalcoHook:Auth";

    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// Whether read endpoints answer requests without a key. Unset (the default): only requests from this machine
    /// (a loopback address, or a transport without an IP peer) and only while no key is configured. <c>true</c>: from
    /// any address. <c>false</c>: never. A wrong key is always 401.
    /// </summary>
    public bool? AllowAnonymousReads { get; set; }

    /// <summary>Write endpoints answer requests without a key (default false; never in production).</summary>
    public bool AllowAnonymousWrites { get; set; }
}

/// <summary>One key: <c>{"Name": "ops", "Key": "...", "Role": "read" | "write"}</c>. The name is what the history records.</summary>
public sealed class ApiKeyEntry
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
    public string Role { get; set; } = ApiKeyRoles.Read;
}

public static class ApiKeyRoles
{
    public const string Read = "read";
    public const string Write = "write";
}

/// <summary>Checks <c>FalcoHook:Auth</c> at start-up: every key has a name, a key and a role, and no key is used twice.</summary>
public sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        var failures = new OptionsFailures(ApiKeyOptions.Section);
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            failures.Required($"ApiKeys:{i}:Name", key.Name);
            failures.Required($"ApiKeys:{i}:Key", key.Key);
            if (key.Role.ToLowerInvariant() is not (ApiKeyRoles.Read or ApiKeyRoles.Write))
                failures.Add($"ApiKeys:{i}:Role", $"must be 'read' or 'write' (got '{key.Role}').");
        }
        if (options.ApiKeys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != options.ApiKeys.Count)
            failures.Add("ApiKeys", "two keys have the same Key.");
        return failures.Result;
    }
}
