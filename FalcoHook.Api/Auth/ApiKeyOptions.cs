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
