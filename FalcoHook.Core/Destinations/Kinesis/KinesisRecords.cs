using System.Buffers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Kinesis;

/// <summary>
/// The <c>PutRecords</c> requests of a batch: one record per delivery (data = the alert's Falco JSON, partition key = the
/// configured field's value), split at 500 records or 5 MiB of data and keys; and the reading of the answer.
/// </summary>
public static class KinesisRecords
{
    public const int MaxRecords = 500;
    public const int MaxRecordBytes = 1_048_576;
    public const int MaxRequestBytes = 5 * 1_048_576;

    /// <summary>A request: the batch positions it carries and its JSON body.</summary>
    public sealed record Request(IReadOnlyList<int> Positions, byte[] Body);

    public static List<Request> Split(IReadOnlyList<DeliveryAttempt> batch, KinesisSettings settings, out List<int> tooLarge)
    {
        var requests = new List<Request>();
        tooLarge = [];
        var records = new List<(int Position, byte[] Data, string Key)>();
        var bytes = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var data = SummaryFields.AlertOf(batch[i].Notification).ToJsonBytes();
            var key = PartitionKey(batch[i], settings);
            var size = data.Length + Encoding.UTF8.GetByteCount(key);
            if (size > MaxRecordBytes)
            {
                tooLarge.Add(i);
                continue;
            }
            if (records.Count == MaxRecords || bytes + size > MaxRequestBytes)
            {
                requests.Add(Build(records, settings));
                (records, bytes) = ([], 0);
            }
            records.Add((i, data, key));
            bytes += size;
        }
        if (records.Count > 0) requests.Add(Build(records, settings));
        return requests;
    }

    /// <summary>The configured field's value, cut to Kinesis's 256 characters; the delivery id when the alert has no value.</summary>
    public static string PartitionKey(DeliveryAttempt attempt, KinesisSettings settings)
    {
        var value = AlertField.Value(attempt.Notification.Alert, settings.PartitionKey.Trim());
        if (string.IsNullOrEmpty(value)) value = attempt.DeliveryId;
        return value.Length > 256 ? value[..256] : value;
    }

    private static Request Build(List<(int Position, byte[] Data, string Key)> records, KinesisSettings settings)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (!string.IsNullOrWhiteSpace(settings.Stream)) writer.WriteString("StreamName", settings.Stream.Trim());
            if (!string.IsNullOrWhiteSpace(settings.StreamArn)) writer.WriteString("StreamARN", settings.StreamArn.Trim());
            writer.WriteStartArray("Records");
            foreach (var (_, data, key) in records)
            {
                writer.WriteStartObject();
                writer.WriteBase64String("Data", data);
                writer.WriteString("PartitionKey", key);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return new Request(records.Select(r => r.Position).ToList(), buffer.WrittenSpan.ToArray());
    }

    /// <summary>
    /// One outcome per record of a 2xx answer: a record with a <c>SequenceNumber</c> is delivered; one with an
    /// <c>ErrorCode</c> is retried when the code is throttling or an internal failure, dead otherwise. An answer that
    /// does not list every record retries them all.
    /// </summary>
    public static IReadOnlyList<SendResult> ReadAnswer(byte[] answer, int count)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (!document.RootElement.TryGetProperty("Records", out var records) || records.ValueKind != JsonValueKind.Array || records.GetArrayLength() != count)
                return Enumerable.Repeat(SendResult.Retry($"the PutRecords answer does not list {count} records"), count).ToArray();
            return records.EnumerateArray().Select(record =>
            {
                if (!record.TryGetProperty("ErrorCode", out var code) || code.ValueKind != JsonValueKind.String) return SendResult.Delivered;
                var message = record.TryGetProperty("ErrorMessage", out var m) ? m.GetString() : null;
                var error = $"Kinesis refused the record: {code.GetString()}: {message}";
                return AwsErrors.IsRetryable(code.GetString()) ? SendResult.Retry(error) : SendResult.Permanent(error);
            }).ToArray();
        }
        catch (JsonException e)
        {
            return Enumerable.Repeat(SendResult.Retry("the PutRecords answer is not JSON: " + e.Message), count).ToArray();
        }
    }
}
