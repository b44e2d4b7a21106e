using System.Text;
using System.Xml.Linq;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sns;

/// <summary>
/// The <c>PublishBatch</c> requests of a batch: one entry per delivery (message = the alert's Falco JSON; string
/// attributes <c>priority</c>, <c>rule</c>, <c>source</c>, <c>hostname</c> for subscription filter policies), split at 10
/// entries or 262,144 bytes of messages and attributes, form-encoded as the Query protocol's
/// <c>PublishBatchRequestEntries.member.N.…</c>; and the reading of the XML answer.
/// </summary>
public static class PublishBatch
{
    public const int MaxEntries = 10;
    public const int MaxBytes = 262_144;

    public sealed record Request(IReadOnlyList<int> Positions, byte[] Body);

    public static List<Request> Split(IReadOnlyList<DeliveryAttempt> batch, SnsSettings settings, out List<int> tooLarge)
    {
        var requests = new List<Request>();
        tooLarge = [];
        var entries = new List<(int Position, Entry Entry)>();
        var bytes = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var entry = EntryOf(batch[i], settings);
            if (entry.Size > MaxBytes)
            {
                tooLarge.Add(i);
                continue;
            }
            if (entries.Count == MaxEntries || bytes + entry.Size > MaxBytes)
            {
                requests.Add(Build(entries, settings));
                (entries, bytes) = ([], 0);
            }
            entries.Add((i, entry));
            bytes += entry.Size;
        }
        if (entries.Count > 0) requests.Add(Build(entries, settings));
        return requests;
    }

    private sealed record Entry(string Message, IReadOnlyList<(string Name, string Value)> Attributes, string? GroupId, string? DeduplicationId)
    {
        public int Size => Encoding.UTF8.GetByteCount(Message) + Attributes.Sum(a => Encoding.UTF8.GetByteCount(a.Name) + Encoding.UTF8.GetByteCount(a.Value) + "String".Length);
    }

    private static Entry EntryOf(DeliveryAttempt attempt, SnsSettings settings)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var attributes = new List<(string, string)> { ("priority", alert.Priority.ToFalcoString()), ("rule", alert.Rule) };
        if (!string.IsNullOrEmpty(alert.Source)) attributes.Add(("source", alert.Source));
        if (!string.IsNullOrEmpty(alert.Hostname)) attributes.Add(("hostname", alert.Hostname));
        var fifo = settings.TopicArn!.EndsWith(".fifo", StringComparison.Ordinal);
        return new Entry(alert.ToJson(), attributes,
            fifo ? settings.MessageGroupId ?? AwsIds.GroupId(alert.Rule) : null,
            fifo ? AwsIds.GroupId(attempt.DeliveryId) : null);
    }

    private static Request Build(List<(int Position, Entry Entry)> entries, SnsSettings settings)
    {
        var form = new List<(string, string)> { ("Action", "PublishBatch"), ("Version", "2010-03-31"), ("TopicArn", settings.TopicArn!.Trim()) };
        for (var n = 1; n <= entries.Count; n++)
        {
            var entry = entries[n - 1].Entry;
            var prefix = $"PublishBatchRequestEntries.member.{n}.";
            form.Add((prefix + "Id", (n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            form.Add((prefix + "Message", entry.Message));
            if (!string.IsNullOrEmpty(settings.Subject)) form.Add((prefix + "Subject", settings.Subject));
            if (entry.GroupId is not null) form.Add((prefix + "MessageGroupId", entry.GroupId));
            if (entry.DeduplicationId is not null) form.Add((prefix + "MessageDeduplicationId", entry.DeduplicationId));
            for (var a = 1; a <= entry.Attributes.Count; a++)
            {
                var (name, value) = entry.Attributes[a - 1];
                var at = $"{prefix}MessageAttributes.entry.{a}.";
                form.Add((at + "Name", name));
                form.Add((at + "Value.DataType", "String"));
                form.Add((at + "Value.StringValue", value));
            }
        }
        var body = string.Join('&', form.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        return new Request(entries.Select(e => e.Position).ToList(), Encoding.UTF8.GetBytes(body));
    }

    /// <summary>
    /// One outcome per entry of a 2xx answer (<c>PublishBatchResult/Successful/member/Id</c> and <c>Failed/member</c> with
    /// <c>Code</c>, <c>Message</c>, <c>SenderFault</c>): the sender's fault is dead unless the code is throttling, the
    /// service's is retried; an entry in neither list is retried.
    /// </summary>
    public static IReadOnlyList<SendResult> ReadAnswer(byte[] answer, int count)
    {
        try
        {
            var root = XDocument.Parse(Encoding.UTF8.GetString(answer));
            var result = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "PublishBatchResult");
            var successful = Members(result, "Successful").Select(m => Child(m, "Id")).ToHashSet(StringComparer.Ordinal);
            var failed = Members(result, "Failed").ToDictionary(m => Child(m, "Id") ?? "", StringComparer.Ordinal);
            var outcomes = new SendResult[count];
            for (var i = 0; i < count; i++)
            {
                var id = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (failed.TryGetValue(id, out var failure))
                {
                    var code = Child(failure, "Code");
                    var error = $"SNS refused the message: {code}: {Child(failure, "Message")}";
                    outcomes[i] = Child(failure, "SenderFault") == "true" && !AwsErrors.IsRetryable(code) ? SendResult.Permanent(error) : SendResult.Retry(error);
                }
                else outcomes[i] = successful.Contains(id) ? SendResult.Delivered : SendResult.Retry("the answer lists the entry neither as successful nor as failed");
            }
            return outcomes;
        }
        catch (System.Xml.XmlException e)
        {
            return Enumerable.Repeat(SendResult.Retry("the PublishBatch answer is not XML: " + e.Message), count).ToArray();
        }
    }

    private static IEnumerable<XElement> Members(XElement? result, string list) =>
        result?.Elements().Where(e => e.Name.LocalName == list).SelectMany(l => l.Elements().Where(m => m.Name.LocalName == "member")) ?? [];

    private static string? Child(XElement element, string name) => element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
