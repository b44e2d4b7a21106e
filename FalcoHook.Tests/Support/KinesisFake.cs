using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// An Amazon Kinesis Data Streams stand-in for <c>PutRecords</c> as its API reference documents it: <c>POST /</c>,
/// <c>X-Amz-Target: Kinesis_20131202.PutRecords</c>, <c>Content-Type: application/x-amz-json-1.1</c>, a SigV4 signature for
/// service <c>kinesis</c> (checked with the test's keys), a body <c>{"StreamName"|"StreamARN","Records":[{"Data":base64,
/// "PartitionKey"}]}</c> of 1 to 500 records, each partition key 1 to 256 characters, each record at most 1 MiB and the
/// request at most 5 MiB. The answer lists every record in order, <c>{"SequenceNumber","ShardId"}</c> or
/// <c>{"ErrorCode","ErrorMessage"}</c>, with <c>FailedRecordCount</c>. A request that breaks the rules is answered 400
/// (<c>ValidationException</c>) and counted in <see cref="Malformed"/>.
/// </summary>
public sealed class KinesisFake(string stream, string accessKey, string secretKey, string region = "us-east-1")
{
    private readonly ConcurrentQueue<(string Key, string Data)> _stored = new();
    private readonly ConcurrentDictionary<string, int> _offered = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<int> _requestSizes = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private long _sequence;
    private int _requests;

    /// <summary>Decides a record's <c>ErrorCode</c> (null: stored): gets the decoded data and how many times it was offered.</summary>
    public Func<string, int, string?>? Refuse { get; set; }

    /// <summary>Decides a whole request's failure (null: handled): gets the request's number, from 1.</summary>
    public Func<int, FakeResponse?>? FailRequest { get; set; }

    /// <summary>The stored records (partition key, decoded data), in arrival order.</summary>
    public IReadOnlyList<(string Key, string Data)> Stored => _stored.ToList();

    public IReadOnlyList<int> RequestSizes => _requestSizes.ToList();
    public int Requests => Volatile.Read(ref _requests);
    public IReadOnlyList<string> Malformed => _problems.ToList();
    public int OfferedCount(string data) => _offered.TryGetValue(data, out var n) ? n : 0;

    public FakeResponse Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (request.Method != "POST" || request.Path != "/") return Bad($"{request.Method} {request.Path}", "UnknownOperationException");
        if (request.Header("X-Amz-Target") != "Kinesis_20131202.PutRecords") return Bad("X-Amz-Target " + request.Header("X-Amz-Target"), "UnknownOperationException");
        if (request.Header("Content-Type")?.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal) != true) return Bad("Content-Type " + request.Header("Content-Type"));
        if (SigV4Verifier.Problem(request, accessKey, secretKey, region, "kinesis") is { } signature) return Bad(signature, "InvalidSignatureException", 403);
        if (FailRequest?.Invoke(number) is { } failure) return failure;
        var body = request.Json;
        var named = body.TryGetProperty("StreamName", out var name) ? name.GetString() : body.TryGetProperty("StreamARN", out var arn) ? arn.GetString() : null;
        if (named != stream) return Bad("stream " + named, "ResourceNotFoundException");
        var records = body.GetProperty("Records").EnumerateArray().ToList();
        if (records.Count is 0 or > 500) return Bad(records.Count + " records");
        var total = 0;
        var answers = new List<object>();
        var failed = 0;
        foreach (var record in records)
        {
            var key = record.GetProperty("PartitionKey").GetString()!;
            byte[] data;
            try { data = Convert.FromBase64String(record.GetProperty("Data").GetString()!); }
            catch (FormatException) { return Bad("Data is not base64"); }
            if (key.Length is 0 or > 256) return Bad($"a partition key of {key.Length} characters");
            var size = data.Length + Encoding.UTF8.GetByteCount(key);
            if (size > 1_048_576) return Bad("a record over 1 MiB");
            total += size;
            var text = Encoding.UTF8.GetString(data);
            var offered = _offered.AddOrUpdate(text, 1, (_, n) => n + 1);
            if (Refuse?.Invoke(text, offered) is { } code)
            {
                failed++;
                answers.Add(new { ErrorCode = code, ErrorMessage = "refused by the test" });
                continue;
            }
            _stored.Enqueue((key, text));
            answers.Add(new { SequenceNumber = Interlocked.Increment(ref _sequence).ToString("D56"), ShardId = "shardId-000000000000" });
        }
        if (total > 5 * 1_048_576) return Bad("a request over 5 MiB");
        _requestSizes.Enqueue(records.Count);
        return Json(200, JsonSerializer.Serialize(new { FailedRecordCount = failed, Records = answers, EncryptionType = "NONE" }));
    }

    /// <summary>An error answer as Kinesis writes it: <c>{"__type":"Code","message"}</c>.</summary>
    public static FakeResponse Error(int status, string code, string message = "refused by the test") =>
        Json(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }));

    private FakeResponse Bad(string message, string code = "ValidationException", int status = 400)
    {
        _problems.Enqueue($"{code}: {message}");
        return Error(status, code, message);
    }

    private static FakeResponse Json(int status, string body) => new(status, body, new Dictionary<string, string> { ["Content-Type"] = "application/x-amz-json-1.1" });
}
