using System.ComponentModel;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/events</c>: the alert history — search, one event with its decisions and deliveries, stats, export, live.</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/events").WithTags("Events");
        group.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<EventService>().Enabled
                ? await next(context)
                : TypedResults.Problem(detail: "The alert history is off (FalcoHook:Events:Enabled).",
                    statusCode: StatusCodes.Status404NotFound, title: "No alert history"));

        group.MapGet("/", ListAsync)
            .WithName("ListEvents")
            .WithSummary("Search the alert history, newest first, one page at a time (cursor)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/stats", StatsAsync)
            .WithName("EventStats")
            .WithSummary("Counts of the matching alerts by priority, source, rule, hostname, namespace and tag; a timeline; the storms in progress")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/export", Export)
            .WithName("ExportEvents")
            .WithSummary("Every matching event, newest first, streamed as NDJSON (one event per line) or CSV")
            .Produces<EventDto>(StatusCodes.Status200OK, "application/x-ndjson", "text/csv")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/stream", Stream)
            .WithName("StreamEvents")
            .WithSummary("Server-sent events: each event as it is recorded (no filters; a slow reader loses the oldest)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:long}", GetAsync)
            .WithName("GetEvent")
            .WithSummary("One event: the Falco alert, its enrichment, the pipeline's decisions and every delivery with its attempts and last error")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    internal static async Task<Results<Ok<EventListDto>, ValidationProblem>> ListAsync(
        [AsParameters] EventFilterParameters filters,
        [Description("The next value of the previous page")] string? cursor,
        [Description("Page size, 1 to 1000 (default 50)")] int? limit,
        HttpRequest request, EventService events, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var query = filters.ToQuery(request.Query, time.GetUtcNow(), errors);
        if (limit is < 1 or > EventStore.MaxPageSize) errors["limit"] = [$"The limit must be between 1 and {EventStore.MaxPageSize}."];
        if (query is null || errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var page = await events.QueryAsync(query, cursor, limit ?? 50, cancellationToken);
        return TypedResults.Ok(new EventListDto([.. page.Items.Select(EventDto.From)], page.Next));
    }

    internal static async Task<Results<Ok<EventDetailDto>, ProblemHttpResult>> GetAsync(
        [Description("The event id (an alert's inbox row id)")] long id,
        EventService events, DestinationCatalog catalog, CancellationToken cancellationToken)
    {
        var detail = await events.GetAsync(id, cancellationToken);
        return detail is null
            ? TypedResults.Problem(detail: $"No event {id} in the history (never recorded, or past retention).", statusCode: StatusCodes.Status404NotFound, title: "Event not found")
            : TypedResults.Ok(EventDetailDto.From(detail, catalog));
    }

    internal static async Task<Results<Ok<EventStats>, ValidationProblem>> StatsAsync(
        [AsParameters] EventFilterParameters filters,
        [Description("Timeline bucket size such as 5m, 1h, 1d (chosen from the range when absent)")] string? bucket,
        HttpRequest request, EventService events, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var query = filters.ToQuery(request.Query, time.GetUtcNow(), errors);
        var size = EventFilterParameters.Duration(bucket, "bucket", errors);
        if (query is null || errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await events.StatsAsync(query, size, cancellationToken));
    }

    internal static Results<PushStreamHttpResult, ValidationProblem> Export(
        [AsParameters] EventFilterParameters filters,
        [Description("ndjson (default) or csv")] string? format,
        HttpRequest request, EventService events, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        var query = filters.ToQuery(request.Query, time.GetUtcNow(), errors);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (!csv && !string.IsNullOrEmpty(format) && !string.Equals(format, "ndjson", StringComparison.OrdinalIgnoreCase))
            errors["format"] = [$"Unknown format '{format}'; expected ndjson or csv."];
        if (query is null || errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var name = $"falcohook-events.{(csv ? "csv" : "ndjson")}";
        return TypedResults.Stream(stream => EventExport.WriteAsync(stream, events, query, csv, request.HttpContext.RequestAborted),
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson", name);
    }

    internal static ServerSentEventsResult<EventDto> Stream(EventService events, CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(Project(events.ListenAsync(cancellationToken), cancellationToken), eventType: "event");

    private static async IAsyncEnumerable<EventDto> Project(IAsyncEnumerable<StoredEvent> source,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in source.WithCancellation(cancellationToken)) yield return EventDto.From(stored);
    }
}

/// <summary>Writes every matching event page by page (the cursor, so no read transaction stays open), flushing each page.</summary>
internal static class EventExport
{
    private const int PageSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(Stream stream, EventService events, EventQuery query, bool csv, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        if (csv) await writer.WriteLineAsync("id,kind,time,received,priority,rule,source,hostname,tags,decision,fingerprint,output");
        string? cursor = null;
        do
        {
            var page = await events.QueryAsync(query, cursor, PageSize, cancellationToken);
            foreach (var item in page.Items)
            {
                var dto = EventDto.From(item);
                await writer.WriteLineAsync(csv ? CsvLine(dto) : JsonSerializer.Serialize(dto, Json));
            }
            await writer.FlushAsync(cancellationToken);
            cursor = page.Next;
        }
        while (cursor is not null);
    }

    private static string CsvLine(EventDto e) => string.Join(',',
        e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Kind, e.Time.ToString("O"), e.Received.ToString("O"), e.Priority,
        Csv(e.Rule), Csv(e.Source), Csv(e.Hostname), Csv(string.Join(' ', e.Tags)), e.Decision, e.Fingerprint, Csv(e.Output));

    /// <summary>RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet shows it as text, not a formula.</summary>
    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
