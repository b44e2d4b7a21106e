using System.Globalization;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Silences;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Ui.Actions;

/// <summary>Creating and expiring silences from the UI: the REST API's validation and handler, fed from a form.</summary>
internal static class SilenceActions
{
    public static async Task<RedirectHttpResult> CreateAsync(HttpContext http, IValidator<CreateSilenceRequest> validator,
        ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var silence = SilenceForm.Read(form);
        var request = silence.ToRequest(UiActions.ActorOf(http), time.GetUtcNow());
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            var errors = string.Join(" ", validation.Errors.Select(e => e.ErrorMessage).Distinct());
            return UiRedirect.Failed(silence.ToQuery("/ui/silences/new"), errors);
        }
        var created = await SilencesApi.CreateAsync(request, validator, store, time, cancellationToken);
        return created.Result is Created<SilenceDto> { Value: { } dto }
            ? UiRedirect.Done("/ui/silences", $"Silence {dto.Id} created; it ends {dto.EndsAt.ToString("u", CultureInfo.InvariantCulture)}.")
            : UiRedirect.Failed(silence.ToQuery("/ui/silences/new"), "The silence is not valid.");
    }

    public static async Task<RedirectHttpResult> ExpireAsync(string id, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.ExpireAsync(id, time.GetUtcNow(), cancellationToken) is null
            ? UiRedirect.Failed("/ui/silences", $"There is no silence {id}.")
            : UiRedirect.Done("/ui/silences", $"Silence {id} expired.");
}
