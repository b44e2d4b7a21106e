namespace FalcoHook.Api.Auth;

/// <summary>
/// <c>FalcoHook:Auth</c>: API keys for the management endpoints. A <c>write</c> key may also read.
/// With no keys, reads are anonymous (<see cref="AllowAnonymousReads"/>, default true) and writes answer 401
/// unless <see cref="AllowAnonymousWrites"/> (default false: for development only) is set.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "FalcoHook:Auth";

    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>Read endpoints answer requests without a key (default true). A wrong key is always 401.</summary>
    public bool AllowAnonymousReads { get; set; } = true;

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
