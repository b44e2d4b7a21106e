using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Storage;

/// <summary>An inbox row's stored JSON read back, the same way by every provider.</summary>
internal static class InboxRows
{
    /// <summary>The row as an entry: its alert, or null and why it no longer parses.</summary>
    public static InboxEntry Parse(long id, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var errors = new List<AlertError>();
            var alert = AlertReader.FromElement(document.RootElement, "", errors);
            return alert is not null
                ? new InboxEntry(id, alert)
                : new InboxEntry(id, null, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }
        catch (JsonException e)
        {
            return new InboxEntry(id, null, e.Message);
        }
    }
}
