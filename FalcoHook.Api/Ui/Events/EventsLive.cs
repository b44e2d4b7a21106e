using System.Runtime.CompilerServices;
using FalcoHook.Core.Events;

namespace FalcoHook.Api.Ui.Events;

/// <summary>
/// <c>GET /ui/events/live</c>: server-sent events, one <c>event</c> message (the new event's id) each time the history
/// records an event. The events page re-reads its own filtered first page when told (Ui/Assets/ui.js), so the filters
/// apply exactly as on the server; a paused page only counts what it missed.
/// </summary>
internal static class EventsLive
{
    public const string Path = "/ui/events/live";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Path, Stream).ExcludeFromDescription();

    private static IResult Stream(EventService events, IHostApplicationLifetime lifetime, HttpContext http)
    {
        if (!events.Enabled) return TypedResults.NotFound();
        return TypedResults.ServerSentEvents(Ids(events, lifetime.ApplicationStopping, http.RequestAborted), eventType: "event");
    }

    private static async IAsyncEnumerable<string> Ids(EventService events, CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        var enumerator = events.ListenAsync(linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync()) yield break;
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                yield return enumerator.Current.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }
}
