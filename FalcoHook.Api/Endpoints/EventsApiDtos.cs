using System.ComponentModel;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Events;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Api.Endpoints;

/// <summary>An event as lists show it.</summary>
public sealed record EventDto(
    [property: Description("An alert's inbox row id (the id in chat links); a storm summary's id is negative")] long Id,
    [property: Description("alert or summary")] string Kind,
    [property: Description("The alert's time (a summary's: its window's end)")] DateTimeOffset Time,
    [property: Description("When FalcoHook received it")] DateTimeOffset Received,
    string Priority, string Rule, string? Source, string? Hostname, IReadOnlyList<string> Tags, string Output,
    [property: Description("What became of it: dropped, silenced, deduplicated, aggregated, inhibited, routed or unrouted")] string Decision,
    string Fingerprint,
    [property: Description("For an alert held into a storm: the summary's fingerprint")] string? SummaryFingerprint,
    [property: Description("For a summary: how many alerts it stands for")] long? Count)
{
    public static EventDto From(StoredEvent e) => new(e.Id, e.Kind == EventKind.Alert ? "alert" : "summary", e.Time, e.Received,
        e.Priority.ToFalcoString(), e.Rule, e.Source, e.Hostname, e.Tags, e.Output, EventJson.OutcomeName(e.Outcome), e.Fingerprint,
        e.SummaryFingerprint, e.Count);
}

/// <summary>A page of events, newest first.</summary>
public sealed record EventListDto(
    IReadOnlyList<EventDto> Items,
    [property: Description("Pass as cursor to read the next (older) page; null on the last page")] string? Next);

public sealed record DecisionDto(
    [property: Description("The stage (filter, silence, dedup, aggregate…) or route")] string Stage,
    string Kind,
    [property: Description("Why: the drop reason, the silence id, the repeated fingerprint, the storm summary's fingerprint")] string? Detail,
    IReadOnlyList<string> Destinations);

public sealed record EventDeliveryDto(
    [property: Description("The delivery id (webhook-id)")] string Id,
    string Destination,
    [property: Description("pending, sending, delivered or dead")] string State,
    [property: Description("Attempts so far; null once purged")] int? Attempts,
    string? LastError, DateTimeOffset? Updated, DateTimeOffset? NextAttemptAt,
    [property: Description("The outbox deleted it after delivery (FalcoHook:Delivery:DeliveredRetention): delivered, details gone")] bool Purged);

public sealed record DigestDto(long Count, string FirstSeen, string LastSeen, string FirstOutput,
    IReadOnlyDictionary<string, string> GroupKey, IReadOnlyDictionary<string, IReadOnlyList<string>> Samples);

/// <summary>One event with its Falco JSON, enrichment, pipeline decisions and deliveries.</summary>
public sealed record EventDetailDto(
    EventDto Event,
    [property: Description("The alert as Falco's JSON")] JsonElement Alert,
    Enrichment? Enrichment,
    DigestDto? Digest,
    IReadOnlyList<DecisionDto> Decisions,
    IReadOnlyList<EventDeliveryDto> Deliveries,
    [property: Description("For a deduplicated alert: the event it repeats, when still kept")] long? RepeatOf,
    [property: Description("For an alert held into a storm: the summary's event id, once made")] long? SummaryId,
    [property: Description("For a summary: the alerts held into it that are still kept")] IReadOnlyList<long> HeldAlerts)
{
    public static EventDetailDto From(EventDetail detail, DestinationCatalog catalog)
    {
        using var alert = JsonDocument.Parse(detail.AlertJson);
        var digest = detail.Notification.Digest is { } d
            ? new DigestDto(d.Count, d.FirstSeen.ToString(), d.LastSeen.ToString(), d.FirstOutput, d.GroupKey, d.Samples)
            : null;
        return new EventDetailDto(
            EventDto.From(detail.Event),
            alert.RootElement.Clone(),
            detail.Notification.Enrichment,
            digest,
            [.. detail.Decisions.Select(x => new DecisionDto(x.Stage, EventJson.OutcomeName(x.Kind), x.Detail, x.Destinations))],
            [.. detail.Deliveries.Select(x => new EventDeliveryDto(x.Id, x.Destination, x.State.ToStorageString(), x.Attempts,
                x.LastError is null ? null : Redaction.Scrub(x.LastError, catalog.All.Values), x.Updated, x.NextAttemptAt, x.Purged))],
            detail.RepeatOf, detail.SummaryId, detail.HeldAlerts);
    }
}
