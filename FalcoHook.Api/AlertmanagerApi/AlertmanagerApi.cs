using System.Text.RegularExpressions;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Silences;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary>
/// <c>/api/v2</c>: Alertmanager's API v2 (its openapi.yaml) over FalcoHook's silences, the alert history and destinations, so
/// <c>amtool</c> and Grafana's Alertmanager data source work against FalcoHook. Silences are the ones of
/// <c>/api/v1/silences</c> (one store). Errors are what the specification defines: a JSON string with the reason.
/// </summary>
public static partial class AlertmanagerApi
{
    public static RouteGroupBuilder MapAlertmanagerApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v2").WithTags("Alertmanager API v2");
        // A 404 without a body stays without one, as the specification defines it (no problem+json from status code pages).
        group.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
            return await next(context);
        });
        group.MapGet("/status", AlertmanagerStatus.Get).WithName("AmGetStatus").WithSummary("Alertmanager's status: cluster, version, configuration, uptime.");
        group.MapGet("/receivers", GetReceivers).WithName("AmGetReceivers").WithSummary("The destinations, as Alertmanager receivers.");
        group.MapGet("/silences", GetSilencesAsync).WithName("AmGetSilences").WithSummary("Silences, optionally filtered by matchers.");
        group.MapPost("/silences", PostSilenceAsync).WithName("AmPostSilences").WithSummary("Create a silence, or replace one (id given).");
        group.MapGet("/silence/{silenceID}", GetSilenceAsync).WithName("AmGetSilence").WithSummary("One silence.");
        group.MapDelete("/silence/{silenceID}", DeleteSilenceAsync).WithName("AmDeleteSilence").WithSummary("Expire a silence now.");
        group.MapGet("/alerts", GetAlertsAsync).WithName("AmGetAlerts").WithSummary("The alerts of the last FalcoHook:Alerts:ActiveFor, with their labels and state.");
        group.MapGet("/alerts/groups", GetAlertGroupsAsync).WithName("AmGetAlertGroups").WithSummary("The recent alerts grouped by receiver and alertname.");
        return group;
    }

    public static Ok<List<AmReceiver>> GetReceivers(Microsoft.Extensions.Options.IOptions<Core.Pipeline.DestinationRoutingOptions> destinations) =>
        TypedResults.Ok(destinations.Value.Destinations.Keys.Order(StringComparer.Ordinal).Select(name => new AmReceiver(name)).ToList());

    public static async Task<Results<Ok<List<AmGettableSilence>>, BadRequest<string>>> GetSilencesAsync(
        [FromQuery] string[]? filter, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryParseFilter(filter, out var matchers, out var error)) return TypedResults.BadRequest(error);
        var now = time.GetUtcNow();
        var silences = (await store.ListAsync(cancellationToken))
            .Where(s => matchers.All(f => s.Matchers.Any(m => m.Name == f.Name && f.Matches(m.Value))))
            .Select(s => AmGettableSilence.From(s, now))
            .ToList();
        return TypedResults.Ok(silences);
    }

    public static async Task<Results<Ok<AmSilenceCreated>, BadRequest<string>, NotFound<string>>> PostSilenceAsync(
        AmPostableSilence silence, IValidator<CreateSilenceRequest> validator, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var request = new CreateSilenceRequest(
            silence.Matchers?.Select(m => m is null ? null! : new MatcherDto(m.Name, SilenceMatcher.ToSymbol(m.Operator), m.Value)).ToList(),
            silence.StartsAt, silence.EndsAt, silence.CreatedBy, silence.Comment);
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid) return TypedResults.BadRequest(string.Join(" ", validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")));
        var now = time.GetUtcNow();
        if (!string.IsNullOrEmpty(silence.Id))
        {
            // Replacing a silence: the old one ends now and the new one gets an id of its own (Alertmanager does the same
            // whenever an update cannot be made in place).
            if (await store.ExpireAsync(silence.Id, now, cancellationToken) is null)
                return TypedResults.NotFound($"silence {silence.Id} not found");
        }
        var created = new Silence
        {
            Id = Guid.CreateVersion7(now).ToString(),
            Matchers = request.Matchers!.Select(m => MatcherValidator.TryCreate(m, out var matcher, out _) ? matcher! : throw new System.Diagnostics.UnreachableException()).ToList(),
            StartsAt = request.StartsAt is { } start && start > now ? start : now,
            EndsAt = request.EndsAt!.Value,
            CreatedBy = request.CreatedBy!,
            Comment = request.Comment ?? "",
            UpdatedAt = now,
        };
        await store.AddAsync(created, cancellationToken);
        return TypedResults.Ok(new AmSilenceCreated(created.Id));
    }

    public static async Task<Results<Ok<AmGettableSilence>, NotFound>> GetSilenceAsync(
        string silenceID, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.GetAsync(silenceID, cancellationToken) is { } silence
            ? TypedResults.Ok(AmGettableSilence.From(silence, time.GetUtcNow()))
            : TypedResults.NotFound();

    public static async Task<Results<Ok, NotFound>> DeleteSilenceAsync(
        string silenceID, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken) =>
        await store.ExpireAsync(silenceID, time.GetUtcNow(), cancellationToken) is null ? TypedResults.NotFound() : TypedResults.Ok();

    public static async Task<Results<Ok<List<AmGettableAlert>>, BadRequest<string>>> GetAlertsAsync(
        AlertHistoryAlerts recent, [FromQuery] bool? active, [FromQuery] bool? silenced, [FromQuery] bool? inhibited,
        [FromQuery] string[]? filter, [FromQuery] string? receiver, CancellationToken cancellationToken)
    {
        if (!TryParseSelection(filter, receiver, out var matchers, out var receivers, out var error)) return TypedResults.BadRequest(error);
        var alerts = Select(await recent.CurrentAsync(cancellationToken), active, silenced, inhibited, matchers, receivers);
        return TypedResults.Ok(alerts.Select(a => AmGettableAlert.From(a, recent.ActiveFor)).ToList());
    }

    /// <summary>One group per receiver and <c>alertname</c>; an alert no destination took is in receiver <c>unrouted</c>'s groups.</summary>
    public static async Task<Results<Ok<List<AmAlertGroup>>, BadRequest<string>>> GetAlertGroupsAsync(
        AlertHistoryAlerts recent, [FromQuery] bool? active, [FromQuery] bool? silenced, [FromQuery] bool? inhibited, [FromQuery] bool? muted,
        [FromQuery] string[]? filter, [FromQuery] string? receiver, CancellationToken cancellationToken)
    {
        if (!TryParseSelection(filter, receiver, out var matchers, out var receivers, out var error)) return TypedResults.BadRequest(error);
        var alerts = Select(await recent.CurrentAsync(cancellationToken), active, silenced, inhibited, matchers, receivers);
        var groups = alerts
            .SelectMany(a => (a.Receivers.Count == 0 ? ["unrouted"] : a.Receivers).Select(r => (Receiver: r, Alert: a)))
            .GroupBy(x => (x.Receiver, AlertName: x.Alert.Labels.GetValueOrDefault("alertname") ?? ""))
            .Where(g => (muted ?? true) || g.Any(x => !x.Alert.Suppressed))
            .OrderBy(g => g.Key.Receiver, StringComparer.Ordinal).ThenBy(g => g.Key.AlertName, StringComparer.Ordinal)
            .Select(g => new AmAlertGroup(
                new Dictionary<string, string> { ["alertname"] = g.Key.AlertName },
                new Dictionary<string, string>(),
                new AmReceiver(g.Key.Receiver),
                g.Select(x => AmGettableAlert.From(x.Alert, recent.ActiveFor)).ToList()))
            .ToList();
        return TypedResults.Ok(groups);
    }

    private static bool TryParseSelection(string[]? filter, string? receiver, out List<SilenceMatcher> matchers, out Regex? receivers, out string error)
    {
        receivers = null;
        if (!TryParseFilter(filter, out matchers, out error)) return false;
        if (string.IsNullOrEmpty(receiver)) return true;
        try
        {
            receivers = new Regex($"^(?:{receiver})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            error = $"receiver: not a valid regular expression: {e.Message}";
            return false;
        }
    }

    private static List<RecentAlert> Select(IReadOnlyList<RecentAlert> current, bool? active, bool? silenced, bool? inhibited,
        List<SilenceMatcher> matchers, Regex? receivers) =>
        current
            .Where(a => matchers.All(m => m.Matches(a.Alert, a.Labels)))
            .Where(a => receivers is null || a.Receivers.Any(receivers.IsMatch))
            .Where(a => (active ?? true) || a.Suppressed)
            .Where(a => (silenced ?? true) || a.SilencedBy.Count == 0)
            .Where(a => (inhibited ?? true) || a.InhibitedBy.Count == 0)
            .ToList();

    private static bool TryParseFilter(string[]? filter, out List<SilenceMatcher> matchers, out string error)
    {
        matchers = [];
        error = "";
        foreach (var text in filter ?? [])
        {
            if (!MatcherText.TryParseList(text, out var parsed, out var problem))
            {
                error = $"filter '{text}': {problem}";
                return false;
            }
            matchers.AddRange(parsed);
        }
        return true;
    }
}
