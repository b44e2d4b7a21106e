using System.Text;
using Amazon.SQS.Model;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sqs;

/// <summary>
/// The <c>SendMessageBatch</c> entries of a batch: one message per delivery (the alert's Falco JSON, summary fields
/// included), split into requests of at most <see cref="MaxEntries"/> entries and <see cref="MaxBytes"/> bytes of
/// message bodies. Entry ids are the delivery's position in the request (<c>0</c>…<c>9</c>).
/// </summary>
public static class SqsEntries
{
    public const int MaxEntries = 10;

    /// <summary>The most message bytes in one request, and in one message (256 KiB).</summary>
    public const int MaxBytes = 262_144;

    /// <summary>A request: the batch positions it carries and its entries, in the same order.</summary>
    public sealed record Request(IReadOnlyList<int> Positions, List<SendMessageBatchRequestEntry> Entries);

    /// <summary>The requests for a batch; positions whose message alone is too large are in <paramref name="tooLarge"/>.</summary>
    public static List<Request> Split(IReadOnlyList<DeliveryAttempt> batch, SqsSettings settings, out List<int> tooLarge)
    {
        var fifo = settings.QueueUrl!.EndsWith(".fifo", StringComparison.Ordinal);
        var requests = new List<Request>();
        tooLarge = [];
        List<int> positions = [];
        List<SendMessageBatchRequestEntry> entries = [];
        var bytes = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var body = SummaryFields.AlertOf(batch[i].Notification).ToJson();
            var size = Encoding.UTF8.GetByteCount(body);
            if (size > MaxBytes)
            {
                tooLarge.Add(i);
                continue;
            }
            if (entries.Count == MaxEntries || bytes + size > MaxBytes)
            {
                requests.Add(new Request(positions, entries));
                (positions, entries, bytes) = ([], [], 0);
            }
            var entry = new SendMessageBatchRequestEntry { Id = entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), MessageBody = body };
            if (fifo)
            {
                entry.MessageGroupId = settings.MessageGroupId ?? AwsIds.GroupId(batch[i].Notification.Alert.Rule);
                entry.MessageDeduplicationId = AwsIds.GroupId(batch[i].DeliveryId);
            }
            positions.Add(i);
            entries.Add(entry);
            bytes += size;
        }
        if (entries.Count > 0) requests.Add(new Request(positions, entries));
        return requests;
    }
}
