using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// An Amazon CloudWatch Logs stand-in for <c>PutLogEvents</c> and <c>CreateLogStream</c> as the API reference documents
/// them: <c>POST /</c>, <c>X-Amz-Target: Logs_20140328.PutLogEvents</c> (or <c>.CreateLogStream</c>), <c>Content-Type:
/// application/x-amz-json-1.1</c>, a SigV4 signature for service <c>logs</c> (checked with the test's keys). A put names
/// <c>logGroupName</c> and <c>logStreamName</c> and carries 1 to 10,000 <c>logEvents</c> <c>{"timestamp","message"}</c> in
/// chronological order, at most 1,048,576 bytes counting 26 bytes per event, spanning at most 24 hours. An unknown
/// stream is <c>ResourceNotFoundException</c>; creating an existing one <c>ResourceAlreadyExistsException</c>. Events
/// older than <see cref="OldestAccepted"/> are refused in <c>rejectedLogEventsInfo.tooOldLogEventEndIndex</c>, as the
/// service does past 14 days. A request that breaks the rules is answered 400 and counted in <see cref="Malformed"/>.
/// </summary>
public sealed class CloudWatchLogsFake(string group, string accessKey, string secretKey, string region = "us-east-1")
{
    private readonly ConcurrentDictionary<string, byte> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Stream, long Timestamp, string Message)> _events = new();
    private readonly ConcurrentQueue<int> _requestSizes = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _creates;

    /// <summary>Events with a timestamp (ms) before this are refused as too old; <see cref="long.MinValue"/>: none.</summary>
    public long OldestAccepted { get; set; } = long.MinValue;

    public Func<int, FakeResponse?>? FailRequest { get; set; }
    private int _requests;

    public void AddStream(string name) => _streams[name] = 0;
    public IReadOnlyList<(string Stream, long Timestamp, string Message)> Events => _events.ToList();
    public IReadOnlyList<int> RequestSizes => _requestSizes.ToList();
    public IReadOnlyList<string> Malformed => _problems.ToList();
    public int Creates => Volatile.Read(ref _creates);

    public FakeResponse Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (request.Method != "POST" || request.Path != "/") return Bad($"{request.Method} {request.Path}", "UnknownOperationException");
        if (request.Header("Content-Type")?.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal) != true) return Bad("Content-Type " + request.Header("Content-Type"));
        if (SigV4Verifier.Problem(request, accessKey, secretKey, region, "logs") is { } signature) return Bad(signature, "InvalidSignatureException", 403);
        if (FailRequest?.Invoke(number) is { } failure) return failure;
        var body = request.Json;
        if (body.GetProperty("logGroupName").GetString() != group) return Error(400, "ResourceNotFoundException", "The specified log group does not exist.");
        var stream = body.GetProperty("logStreamName").GetString()!;
        switch (request.Header("X-Amz-Target"))
        {
            case "Logs_20140328.CreateLogStream":
                Interlocked.Increment(ref _creates);
                return _streams.TryAdd(stream, 0) ? Json(200, "") : Error(400, "ResourceAlreadyExistsException", "The specified log stream already exists");
            case "Logs_20140328.PutLogEvents":
                return Put(stream, body);
            default:
                return Bad("X-Amz-Target " + request.Header("X-Amz-Target"), "UnknownOperationException");
        }
    }

    private FakeResponse Put(string stream, JsonElement body)
    {
        if (!_streams.ContainsKey(stream)) return Error(400, "ResourceNotFoundException", "The specified log stream does not exist.");
        var events = body.GetProperty("logEvents").EnumerateArray().Select(e => (Timestamp: e.GetProperty("timestamp").GetInt64(), Message: e.GetProperty("message").GetString()!)).ToList();
        if (events.Count is 0 or > 10_000) return Bad(events.Count + " events");
        if (events.Sum(e => Encoding.UTF8.GetByteCount(e.Message) + 26) > 1_048_576) return Bad("over 1,048,576 bytes");
        for (var i = 1; i < events.Count; i++)
            if (events[i].Timestamp < events[i - 1].Timestamp) return Bad("Log events in a single PutLogEvents request must be in chronological order.");
        if (events[^1].Timestamp - events[0].Timestamp > 24 * 3600 * 1000L) return Bad("A batch of log events in a single request cannot span more than 24 hours.");
        var tooOld = -1;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Timestamp < OldestAccepted) tooOld = i;
            else _events.Enqueue((stream, events[i].Timestamp, events[i].Message));
        }
        _requestSizes.Enqueue(events.Count);
        return Json(200, tooOld < 0 ? "{\"nextSequenceToken\":\"49590\"}" : $"{{\"nextSequenceToken\":\"49590\",\"rejectedLogEventsInfo\":{{\"tooOldLogEventEndIndex\":{tooOld}}}}}");
    }

    /// <summary>An error answer as CloudWatch Logs writes it: <c>{"__type":"Code","message"}</c>.</summary>
    public static FakeResponse Error(int status, string code, string message = "refused by the test") =>
        Json(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }));

    private FakeResponse Bad(string message, string code = "InvalidParameterException", int status = 400)
    {
        _problems.Enqueue($"{code}: {message}");
        return Error(status, code, message);
    }

    private static FakeResponse Json(int status, string body) => new(status, body, new Dictionary<string, string> { ["Content-Type"] = "application/x-amz-json-1.1" });
}
