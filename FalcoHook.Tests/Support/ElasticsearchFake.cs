using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// An Elasticsearch (or OpenSearch) stand-in for the bulk API as its reference documents it: <c>POST /_bulk</c> with
/// <c>Content-Type: application/x-ndjson</c>, pairs of an action line <c>{"create":{"_index","_id"}}</c> and a document
/// line, each ending in a newline; the answer <c>{"took","errors","items":[{"create":{"_index","_id","status",
/// "error"?}}]}</c>, one item per action in order. Documents are kept by <c>_id</c>: a create of an id it has is
/// refused with 409 <c>version_conflict_engine_exception</c>, as the real cluster does. <see cref="Refuse"/> can refuse
/// chosen items (429 or 400); <see cref="FailRequest"/> can fail whole requests. A request that breaks the framing is
/// answered 400 and counted in <see cref="Malformed"/>.
/// </summary>
public sealed class ElasticsearchFake(Func<JsonElement, string>? identify = null) : ICrashSink
{
    private readonly ConcurrentDictionary<string, JsonElement> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _indexOf = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _idsOfAlert = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<IReadOnlyList<string>> _bulks = new();
    private int _requests;
    private int _failed;
    private int _conflicts;
    private int _malformed;

    /// <summary>Decides an item's status before it is stored (null: stored, 201): gets the <c>_id</c>, the document and how many times this id was offered.</summary>
    public Func<string, JsonElement, int, int?>? Refuse { get; set; }

    /// <summary>How long to hold the answer to a request (by its number, from 1) after its documents are stored: a kill then finds the batch stored but unanswered.</summary>
    public Func<int, TimeSpan>? Hold { get; set; }

    /// <summary>Decides a whole request's failure (null: handled): gets the request's number, from 1.</summary>
    public Func<int, FakeResponse?>? FailRequest { get; set; }

    private readonly ConcurrentDictionary<string, int> _offered = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, JsonElement> Documents => _documents;
    public string? IndexOf(string id) => _indexOf.TryGetValue(id, out var index) ? index : null;

    /// <summary>The <c>_id</c>s of each bulk request handled, in arrival order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Bulks => _bulks.ToList();

    public int Requests => Volatile.Read(ref _requests);
    public int Failed => Volatile.Read(ref _failed);
    public int Malformed => Volatile.Read(ref _malformed);

    /// <summary>Creates refused because the id was stored already (a batch sent again).</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    public int DeliveredAlerts => identify is null ? _documents.Count : _idsOfAlert.Count;

    /// <summary>Alerts stored under more than one <c>_id</c>: duplicates in the index.</summary>
    public int Repeats => _idsOfAlert.Values.Count(ids => ids.Count > 1);

    public bool HasDelivered(string alert) => _idsOfAlert.ContainsKey(alert);

    public FakeResponse Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (request.Method != "POST" || request.Path != "/_bulk") return new FakeResponse(404, "{\"error\":\"no handler\"}");
        if (request.Header("Content-Type")?.StartsWith("application/x-ndjson", StringComparison.Ordinal) != true)
            return BadRequest("Content-Type must be application/x-ndjson");
        if (FailRequest?.Invoke(number) is { } failure)
        {
            Interlocked.Increment(ref _failed);
            return failure;
        }
        var text = request.BodyText;
        if (!text.EndsWith('\n')) return BadRequest("The bulk request must be terminated by a newline [\\n]");
        var lines = text[..^1].Split('\n');
        if (lines.Length % 2 != 0) return BadRequest("an action line without its document line");
        var items = new List<string>();
        var ids = new List<string>();
        var errors = false;
        for (var i = 0; i < lines.Length; i += 2)
        {
            JsonElement action, document;
            try
            {
                action = JsonDocument.Parse(lines[i]).RootElement.Clone();
                document = JsonDocument.Parse(lines[i + 1]).RootElement.Clone();
            }
            catch (JsonException e)
            {
                return BadRequest("unparseable line: " + e.Message);
            }
            if (!action.TryGetProperty("create", out var create) || !create.TryGetProperty("_index", out var indexElement) || !create.TryGetProperty("_id", out var idElement))
                return BadRequest("each action must be create with _index and _id");
            var id = idElement.GetString()!;
            var index = indexElement.GetString()!;
            ids.Add(id);
            var offered = _offered.AddOrUpdate(id, 1, (_, n) => n + 1);
            var status = Refuse?.Invoke(id, document, offered);
            if (status is null)
            {
                if (_documents.TryAdd(id, document))
                {
                    _indexOf[id] = index;
                    if (identify is not null) _idsOfAlert.GetOrAdd(identify(document), _ => new())[id] = 0;
                    status = 201;
                }
                else
                {
                    Interlocked.Increment(ref _conflicts);
                    status = 409;
                }
            }
            errors |= status >= 300;
            items.Add(Item(index, id, status.Value));
        }
        _bulks.Enqueue(ids);
        return new FakeResponse(200, $"{{\"took\":3,\"errors\":{(errors ? "true" : "false")},\"items\":[{string.Join(',', items)}]}}",
            new Dictionary<string, string> { ["Content-Type"] = "application/json" }) { Delay = Hold?.Invoke(number) ?? TimeSpan.Zero };
    }

    private FakeResponse BadRequest(string reason)
    {
        Interlocked.Increment(ref _malformed);
        return new FakeResponse(400, JsonSerializer.Serialize(new { error = new { type = "illegal_argument_exception", reason }, status = 400 }));
    }

    private static string Item(string index, string id, int status)
    {
        var result = new StringBuilder();
        result.Append("{\"create\":{\"_index\":").Append(JsonSerializer.Serialize(index)).Append(",\"_id\":").Append(JsonSerializer.Serialize(id))
            .Append(",\"status\":").Append(status);
        if (status == 409)
            result.Append(",\"error\":{\"type\":\"version_conflict_engine_exception\",\"reason\":\"[").Append(id).Append("]: version conflict, document already exists\"}");
        else if (status >= 300)
            result.Append(",\"error\":{\"type\":\"").Append(status == 429 ? "es_rejected_execution_exception" : "document_parsing_exception")
                .Append("\",\"reason\":\"refused by the test\"}");
        else result.Append(",\"result\":\"created\",\"_version\":1");
        return result.Append("}}").ToString();
    }
}
