using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Storage;

/// <summary>An inbox row's stored JSON read back, the same way by every provider.</summary>
internal static class InboxRows
{
    /// <summary>Rows selected as <c>id, received, alert, trace_parent</c> (received in Unix milliseconds), in order.</summary>
    public static async Task<IReadOnlyList<InboxEntry>> ReadAllAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<InboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var json = reader.GetString(2);
            entries.Add(Parse(reader.GetInt64(0), json) with
            {
                Received = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                TraceParent = reader.IsDBNull(3) ? null : reader.GetString(3),
                Json = json,
            });
        }
        return entries;
    }

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
