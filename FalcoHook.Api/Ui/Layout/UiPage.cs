using Microsoft.AspNetCore.Components;

namespace FalcoHook.Api.Ui.Layout;

/// <summary>
/// The base of every UI page: the request, and who is using the UI (the access middleware has already sent anyone
/// who may not read to the sign-in page, so <see cref="User"/> is set on every page but sign-in).
/// </summary>
public abstract class UiPage : ComponentBase
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = default!;

    [Inject] public UiSession Session { get; set; } = default!;

    [Inject] public TimeProvider Time { get; set; } = default!;

    protected UiUser User => Session.Current(HttpContext) ?? new UiUser("anonymous", Auth.ApiKeyRoles.Read, false);

    protected CancellationToken Aborted => HttpContext.RequestAborted;
}
