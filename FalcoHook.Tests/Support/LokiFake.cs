using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A Grafana Loki stand-in for the push API as its reference documents it: <c>POST /loki/api/v1/push</c>,
/// <c>Content-Type: application/json</c>, <c>{"streams":[{"stream":{"label":"value"},"values":[["&lt;unix epoch in
/// nanoseconds&gt;","&lt;log line&gt;"]]}]}</c>, label names <c>[a-zA-Z_][a-zA-Z0-9_]*</c>; answers 204. Keeps one entry
/// per (stream, timestamp, line), as Loki does, and counts the pushes that broke the format in <see cref="Malformed"/>.
/// </summary>
public sealed partial class LokiFake
{
    private readonly ConcurrentDictionary<(string Stream, string Time, string Line), IReadOnlyDictionary<string, string>> _entries = new();
    private int _pushes;
    private int _malformed;
    private int _duplicates;

    public sealed record Entry(IReadOnlyDictionary<string, string> Labels, string Time, string Line)
    {
        public JsonElement Json => JsonDocument.Parse(Line).RootElement.Clone();
    }

    public IReadOnlyList<Entry> Entries => _entries.Select(e => new Entry(e.Value, e.Key.Time, e.Key.Line)).ToList();
    public int Pushes => Volatile.Read(ref _pushes);
    public int Malformed => Volatile.Read(ref _malformed);

    /// <summary>Entries pushed again (same stream, timestamp and line): kept once.</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    public FakeResponse Answer(RecordedRequest request)
    {
        if (request.Method != "POST" || request.Path != "/loki/api/v1/push") return new FakeResponse(404, "404 page not found");
        if (request.Header("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) != true) return Bad("unsupported Content-Type");
        Interlocked.Increment(ref _pushes);
        try
        {
            var root = request.Json;
            var accepted = new List<((string, string, string), IReadOnlyDictionary<string, string>)>();
            foreach (var stream in root.GetProperty("streams").EnumerateArray())
            {
                var labels = stream.GetProperty("stream").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
                if (labels.Count == 0 || labels.Keys.Any(k => !LabelName().IsMatch(k))) return Bad("error parsing labels");
                var key = string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
                foreach (var value in stream.GetProperty("values").EnumerateArray())
                {
                    if (value.GetArrayLength() != 2 || !long.TryParse(value[0].GetString(), out _)) return Bad("entry must be [\"<ns>\", \"<line>\"]");
                    accepted.Add(((key, value[0].GetString()!, value[1].GetString()!), labels));
                }
            }
            foreach (var (entry, labels) in accepted)
                if (!_entries.TryAdd(entry, labels)) Interlocked.Increment(ref _duplicates);
            return new FakeResponse(204);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Bad(e.Message);
        }
    }

    private FakeResponse Bad(string reason)
    {
        Interlocked.Increment(ref _malformed);
        return new FakeResponse(400, reason);
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
