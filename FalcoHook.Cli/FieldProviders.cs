using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;


namespace FalcoHook.Cli;

/// <summary>Reads the events of one source from a file's text.</summary>
internal delegate IEnumerable<object> EventReader(string text);

/// <summary>
/// The one place the CLI learns which sources it can evaluate: a field provider and an event reader per
/// source. Sources without an entry are still validated (parsed and checked), just not evaluated.
/// </summary>
internal static class FieldProviders
{
    public static IReadOnlyList<(IFieldProvider Provider, EventReader Reader)> All { get; } =
    [
        (new FalcoAlertFieldProvider(), ReadAlerts),
        (new K8sAuditFieldProvider(), ReadAuditEvents),
    ];

    public static IEnumerable<IFieldProvider> Providers => All.Select(p => p.Provider);

    public static EventReader? ReaderFor(string source) =>
        All.FirstOrDefault(p => p.Provider.Source == source).Reader;

    private static IEnumerable<object> ReadAlerts(string text)
    {
        var result = AlertReader.ReadNdjson(System.Text.Encoding.UTF8.GetBytes(text), maxAlerts: int.MaxValue);
        if (!result.Ok) throw new InvalidDataException(string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return result.Alerts;
    }

    /// <summary>
    /// Audit events from JSON Lines, an EventList or an array. The events stay valid while the CLI runs
    /// (the parsed documents are kept for the process's life).
    /// </summary>
    private static IEnumerable<object> ReadAuditEvents(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var whole = AuditEventReader.Read(bytes);
        if (whole.Ok) return whole.Events;
        var lines = AuditEventReader.ReadJsonLines(bytes);
        if (lines.Ok) return lines.Events;
        throw new InvalidDataException(string.Join("; ", lines.Errors.Select(e => $"{e.Field}: {e.Message}")));
    }
}
