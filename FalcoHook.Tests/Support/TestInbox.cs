using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Inbox origins for alerts a test hands to the pipeline or the outbox without an inbox: each gets a row id of its own,
/// far above the ids a test's real inbox file gives out, so none is taken for a row applied before.
/// </summary>
internal static class TestInbox
{
    private static long _lastId = 1L << 40;

    public static AlertOrigin NewOrigin() => new(Interlocked.Increment(ref _lastId), TimeProvider.System.GetUtcNow(), default);

    /// <summary>The alerts as the drain would hand them over, each from a row of its own.</summary>
    public static IReadOnlyList<InboxAlert> Alerts(params IEnumerable<FalcoAlert> alerts) => alerts.Select(a => new InboxAlert(a, NewOrigin())).ToList();

    /// <summary>Rows read from a real inbox, as the drain hands them over.</summary>
    public static IReadOnlyList<InboxAlert> FromRows(IEnumerable<InboxEntry> rows) => rows.Select(InboxAlert.FromRow).ToList();
}
