using System.Collections.Concurrent;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace FalcoHook.Tests.Support;

/// <summary>
/// An Amazon SNS stand-in for <c>PublishBatch</c> as its API reference documents it, in the Query protocol: <c>POST /</c>
/// with <c>Content-Type: application/x-www-form-urlencoded</c>, a SigV4 signature for service <c>sns</c> (checked with
/// the test's keys), form fields <c>Action=PublishBatch</c>, <c>Version=2010-03-31</c>, <c>TopicArn</c> and
/// <c>PublishBatchRequestEntries.member.N.Id</c>/<c>.Message</c>/<c>.MessageGroupId</c>/<c>.MessageDeduplicationId</c>/
/// <c>.MessageAttributes.entry.M.Name</c>/<c>.Value.DataType</c>/<c>.Value.StringValue</c> (N from 1, 1 to 10 entries with
/// distinct ids, at most 262,144 bytes). The answer is <c>PublishBatchResponse/PublishBatchResult</c> with
/// <c>Successful/member</c> (<c>Id</c>, <c>MessageId</c>) and <c>Failed/member</c> (<c>Id</c>, <c>Code</c>, <c>Message</c>,
/// <c>SenderFault</c>); errors are <c>ErrorResponse/Error</c> (<c>Type</c>, <c>Code</c>, <c>Message</c>). A FIFO topic
/// requires a group id and keeps one message per deduplication id. Rule breaks are answered 400 and counted in <see cref="Malformed"/>.
/// </summary>
public sealed partial class SnsFake(string topicArn, string accessKey, string secretKey, string region = "us-east-1")
{
    /// <summary>One published message: its body, attributes (name → value), group and deduplication ids.</summary>
    public sealed record Published(string Message, IReadOnlyDictionary<string, string> Attributes, string? GroupId, string? DeduplicationId);

    private readonly ConcurrentQueue<Published> _stored = new();
    private readonly ConcurrentDictionary<string, byte> _deduplicationIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _offered = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<int> _requestSizes = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _requests;

    public Func<string, int, (bool SenderFault, string Code)?>? Refuse { get; set; }
    public Func<int, FakeResponse?>? FailRequest { get; set; }
    public IReadOnlyList<Published> Stored => _stored.ToList();
    public IReadOnlyList<int> RequestSizes => _requestSizes.ToList();
    public int Requests => Volatile.Read(ref _requests);
    public IReadOnlyList<string> Malformed => _problems.ToList();
    public int OfferedCount(string message) => _offered.TryGetValue(message, out var n) ? n : 0;

    public FakeResponse Answer(RecordedRequest request)
    {
        var number = Interlocked.Increment(ref _requests);
        if (request.Method != "POST" || request.Path != "/") return Bad($"{request.Method} {request.Path}");
        if (request.Header("Content-Type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true) return Bad("Content-Type " + request.Header("Content-Type"));
        if (SigV4Verifier.Problem(request, accessKey, secretKey, region, "sns") is { } signature) return Bad(signature, "SignatureDoesNotMatch", 403);
        if (FailRequest?.Invoke(number) is { } failure) return failure;
        var form = Form(request.BodyText);
        if (form.GetValueOrDefault("Action") != "PublishBatch" || form.GetValueOrDefault("Version") != "2010-03-31") return Bad("Action/Version", "InvalidAction");
        if (form.GetValueOrDefault("TopicArn") != topicArn) return Error(404, "NotFound", "Topic does not exist");
        var count = form.Keys.Where(k => k.StartsWith("PublishBatchRequestEntries.member.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        if (count == 0) return Bad("no entries", "EmptyBatchRequest");
        if (count > 10) return Bad(count + " entries", "TooManyEntriesInBatchRequest");
        var fifo = topicArn.EndsWith(".fifo", StringComparison.Ordinal);
        var entries = new List<(string Id, Published Message)>();
        var total = 0;
        for (var n = 1; n <= count; n++)
        {
            var prefix = $"PublishBatchRequestEntries.member.{n}.";
            if (!form.TryGetValue(prefix + "Id", out var id) || !form.TryGetValue(prefix + "Message", out var message)) return Bad($"member {n} lacks Id or Message");
            if (!EntryId().IsMatch(id)) return Bad(id, "InvalidBatchEntryId");
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var a = 1; form.TryGetValue($"{prefix}MessageAttributes.entry.{a}.Name", out var name); a++)
            {
                if (form.GetValueOrDefault($"{prefix}MessageAttributes.entry.{a}.Value.DataType") != "String") return Bad($"attribute {name} without DataType String");
                attributes[name] = form.GetValueOrDefault($"{prefix}MessageAttributes.entry.{a}.Value.StringValue") ?? "";
            }
            var group = form.GetValueOrDefault(prefix + "MessageGroupId");
            var deduplication = form.GetValueOrDefault(prefix + "MessageDeduplicationId");
            if (fifo && (group is null || deduplication is null)) return Bad("a FIFO topic needs MessageGroupId and MessageDeduplicationId");
            if (!fifo && group is not null) return Bad("MessageGroupId on a standard topic");
            total += Encoding.UTF8.GetByteCount(message) + attributes.Sum(p => Encoding.UTF8.GetByteCount(p.Key) + Encoding.UTF8.GetByteCount(p.Value) + 6);
            entries.Add((id, new Published(message, attributes, group, deduplication)));
        }
        if (entries.Select(e => e.Id).Distinct().Count() != entries.Count) return Bad("ids repeat", "BatchEntryIdsNotDistinct");
        if (total > 262_144) return Bad("over 262,144 bytes", "BatchRequestTooLong");
        var result = new StringBuilder("<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult>");
        var successful = new StringBuilder();
        var failed = new StringBuilder();
        foreach (var (id, published) in entries)
        {
            var offered = _offered.AddOrUpdate(published.Message, 1, (_, n) => n + 1);
            if (Refuse?.Invoke(published.Message, offered) is { } refusal)
            {
                failed.Append($"<member><Id>{id}</Id><Code>{refusal.Code}</Code><Message>refused by the test</Message><SenderFault>{(refusal.SenderFault ? "true" : "false")}</SenderFault></member>");
                continue;
            }
            if (!fifo || _deduplicationIds.TryAdd(published.DeduplicationId!, 0)) _stored.Enqueue(published);
            successful.Append($"<member><Id>{id}</Id><MessageId>{Guid.NewGuid()}</MessageId></member>");
        }
        result.Append("<Successful>").Append(successful).Append("</Successful><Failed>").Append(failed).Append("</Failed></PublishBatchResult>");
        result.Append("<ResponseMetadata><RequestId>").Append(Guid.NewGuid()).Append("</RequestId></ResponseMetadata></PublishBatchResponse>");
        _requestSizes.Enqueue(entries.Count);
        return Xml(200, result.ToString());
    }

    /// <summary>An error answer as the Query protocol writes it.</summary>
    public static FakeResponse Error(int status, string code, string message = "refused by the test") =>
        Xml(status, $"<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>{(status >= 500 ? "Receiver" : "Sender")}</Type><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error><RequestId>r</RequestId></ErrorResponse>");

    private FakeResponse Bad(string message, string code = "InvalidParameter", int status = 400)
    {
        _problems.Enqueue($"{code}: {message}");
        return Error(status, code, message);
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Decode(p[0]), p => Decode(p.Length > 1 ? p[1] : ""), StringComparer.Ordinal);

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static FakeResponse Xml(int status, string body) => new(status, body, new Dictionary<string, string> { ["Content-Type"] = "text/xml" });

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex EntryId();
}
