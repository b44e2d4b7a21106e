namespace FalcoHook.Api.Ui;

/// <summary>Who is using the web UI: a signed-in API key's name and role, or <c>anonymous</c> where the read rules allow it.</summary>
public sealed record UiUser(string Name, string Role, bool SignedIn)
{
    public bool CanWrite => Role == Auth.ApiKeyRoles.Write;
}
