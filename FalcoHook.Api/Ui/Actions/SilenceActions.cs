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
        var form = SilenceForm.Read(await http.Request.ReadFormAsync(cancellationToken));
        var now = time.GetUtcNow();
        var request = form.ToRequest(UiActions.ActorOf(http), now);
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
        {
            var errors = string.Join(" ", validation.Errors.Select(e => e.ErrorMessage).Distinct());
            return UiRedirect.Failed(form.ToQuery("/ui/silences/new"), errors);
        }
        // As the REST API creates one (SilencesApi.CreateAsync), starting now: the form's duration is exact.
        var silence = new Silence
        {
            Id = Guid.CreateVersion7(now).ToString(),
            Matchers = [.. request.Matchers!.Select(m => MatcherValidator.TryCreate(m, out var matcher, out _) ? matcher! : throw new System.Diagnostics.UnreachableException())],
            StartsAt = now,
            EndsAt = request.EndsAt!.Value,
            CreatedBy = request.CreatedBy!,
            Comment = request.Comment ?? "",
            UpdatedAt = now,
        };
        await store.AddAsync(silence, cancellationToken);
        return UiRedirect.Done("/ui/silences", $"Silence {silence.Id} created; it ends {silence.EndsAt.ToString("u", CultureInfo.InvariantCulture)}.");
    }

    public static async Task<RedirectHttpResult> ExpireAsync(string id, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.ExpireAsync(id, time.GetUtcNow(), cancellationToken) is null
            ? UiRedirect.Failed("/ui/silences", $"There is no silence {id}.")
            : UiRedirect.Done("/ui/silences", $"Silence {id} expired.");
}
