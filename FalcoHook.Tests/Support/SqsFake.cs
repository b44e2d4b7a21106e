using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FalcoHook.Tests.Support;

/// <summary>
/// An Amazon SQS stand-in for <c>SendMessageBatch</c> as its API reference documents it, in the AWS JSON 1.0 protocol
/// the SDK speaks: <c>POST /</c>, <c>X-Amz-Target: AmazonSQS.SendMessageBatch</c>, <c>Content-Type:
/// application/x-amz-json-1.0</c>, a SigV4 signature for service <c>sqs</c> (checked with the test's keys), a body
/// <c>{"QueueUrl","Entries":[{"Id","MessageBody","MessageGroupId"?,"MessageDeduplicationId"?}]}</c> of 1 to 10 entries
/// with distinct ids and at most 262,144 bytes of messages. The answer lists each entry in <c>Successful</c> (with the
/// body's MD5, which the SDK checks) or in <c>Failed</c> (<c>Id</c>, <c>SenderFault</c>, <c>Code</c>, <c>Message</c>). A FIFO
/// queue (URL ending in <c>.fifo</c>) requires a group id and keeps one message per deduplication id, as SQS does for
/// five minutes. A request that breaks the rules is answered 400 with the documented error and counted in <see cref="Malformed"/>.
/// </summary>
public sealed partial class SqsFake(string queueUrl, string accessKey, string secretKey, string region = "us-east-1")
{
    private readonly ConcurrentQueue<JsonElement> _stored = new();
    private readonly ConcurrentDictionary<string, byte> _deduplicationIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _offered = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<int> _requestSizes = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _requests;

    /// <summary>Decides an entry's failure before it is stored (null: stored): gets the message body and how many times this body was offered; answers (SenderFault, Code).</summary>
    public Func<string, int, (bool SenderFault, string Code)?>? Refuse { get; set; }

    /// <summary>Decides a whole request's failure (null: handled): gets the request's number, from 1.</summary>
    public Func<int, FakeResponse?>? FailRequest { get; set; }

    /// <summary>The entries stored, in arrival order (FIFO repeats by deduplication id are not stored again).</summary>
    public IReadOnlyList<JsonElement> Stored => _stored.ToList();

    /// <summary>How many entries each handled request carried.</summary>
    public IReadOnlyList<int> RequestSizes => _requestSizes.ToList();

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>What was wrong with requests that broke the documented rules (each answered 400).</summary>
    public IReadOnlyList<string> Malformed => _problems.ToList();

    public int OfferedCount(string body) => _offered.TryGetValue(body, out var n) ? n : 0;

    public FakeResponse Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (request.Method != "POST" || request.Path != "/") return Bad("UnknownOperationException", $"{request.Method} {request.Path}");
        if (request.Header("X-Amz-Target") != "AmazonSQS.SendMessageBatch") return Bad("UnknownOperationException", "X-Amz-Target " + request.Header("X-Amz-Target"));
        if (request.Header("Content-Type")?.StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal) != true) return Bad("InvalidParameterValue", "Content-Type " + request.Header("Content-Type"));
        if (SigV4Verifier.Problem(request, accessKey, secretKey, region, "sqs") is { } signature) return Bad("InvalidSignatureException", signature, 403);
        if (FailRequest?.Invoke(number) is { } failure) return failure;
        var body = request.Json;
        if (body.GetProperty("QueueUrl").GetString() != queueUrl) return Bad("QueueDoesNotExist", "QueueUrl " + body.GetProperty("QueueUrl"));
        var entries = body.GetProperty("Entries").EnumerateArray().ToList();
        if (entries.Count == 0) return Bad("EmptyBatchRequest", "no entries");
        if (entries.Count > 10) return Bad("TooManyEntriesInBatchRequest", entries.Count + " entries");
        var ids = entries.Select(e => e.GetProperty("Id").GetString()!).ToList();
        if (ids.Distinct().Count() != ids.Count) return Bad("BatchEntryIdsNotDistinct", string.Join(',', ids));
        if (ids.Any(id => !EntryId().IsMatch(id))) return Bad("InvalidBatchEntryId", string.Join(',', ids));
        if (entries.Sum(e => Encoding.UTF8.GetByteCount(e.GetProperty("MessageBody").GetString()!)) > 262_144) return Bad("BatchRequestTooLong", "over 262,144 bytes");
        var fifo = queueUrl.EndsWith(".fifo", StringComparison.Ordinal);
        var successful = new List<object>();
        var failed = new List<object>();
        foreach (var entry in entries)
        {
            var id = entry.GetProperty("Id").GetString()!;
            var message = entry.GetProperty("MessageBody").GetString()!;
            var offered = _offered.AddOrUpdate(message, 1, (_, n) => n + 1);
            if (fifo && !(entry.TryGetProperty("MessageGroupId", out var group) && group.GetString() is { Length: > 0 }))
                return Bad("MissingParameter", "The request must contain the parameter MessageGroupId.");
            if (!fifo && entry.TryGetProperty("MessageGroupId", out _)) return Bad("InvalidParameterValue", "MessageGroupId on a standard queue");
            if (Refuse?.Invoke(message, offered) is { } refusal)
            {
                failed.Add(new { Id = id, SenderFault = refusal.SenderFault, Code = refusal.Code, Message = "refused by the test" });
                continue;
            }
            var fresh = !fifo || _deduplicationIds.TryAdd(entry.GetProperty("MessageDeduplicationId").GetString()!, 0);
            if (fresh) _stored.Enqueue(entry.Clone());
            successful.Add(new { Id = id, MessageId = Guid.NewGuid().ToString(), MD5OfMessageBody = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(message))) });
        }
        _requestSizes.Enqueue(entries.Count);
        return Json(200, JsonSerializer.Serialize(new { Successful = successful, Failed = failed }));
    }

    /// <summary>An error answer as SQS's JSON protocol writes it: <c>{"__type":"com.amazonaws.sqs#Code","message"}</c>.</summary>
    public static FakeResponse Error(int status, string code, string message = "refused by the test") =>
        Json(status, JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = "com.amazonaws.sqs#" + code, ["message"] = message }));

    private FakeResponse Bad(string code, string message, int status = 400)
    {
        _problems.Enqueue($"{code}: {message}");
        return Error(status, code, message);
    }

    private static FakeResponse Json(int status, string body) =>
        new(status, body, new Dictionary<string, string> { ["Content-Type"] = "application/x-amz-json-1.0" });

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex EntryId();
}
