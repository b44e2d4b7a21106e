using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.Splunk;

/// <summary>One HEC request per batch: the events concatenated, each with the alert as <c>event</c>. HEC answers for the request as a whole.</summary>
public sealed class SplunkSender(JsonPost post) : BatchDestinationSender<SplunkSettings>
{
    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, SplunkSettings settings, CancellationToken cancellationToken)
    {
        using var content = JsonPost.Json(Body(batch, settings));
        return await post.SendBatchAsync(batch, content, cancellationToken,
            new JsonPostOptions { Headers = [new("Authorization", "Splunk " + settings.Token)] }).ConfigureAwait(false);
    }

    /// <summary>The events, one JSON object per line; <c>time</c> is Unix seconds with the alert's milliseconds.</summary>
    public static byte[] Body(IReadOnlyList<DeliveryAttempt> batch, SplunkSettings settings)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 1024);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = FalcoAlert.WriterOptions.Encoder });
        foreach (var attempt in batch)
        {
            var alert = SummaryFields.AlertOf(attempt.Notification);
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteNumber("time", alert.Time.UnixNanoseconds / 1_000_000 / 1000m);
            if (alert.Hostname is not null) writer.WriteString("host", alert.Hostname);
            writer.WriteString("source", settings.Source);
            writer.WriteString("sourcetype", settings.SourceType);
            if (!string.IsNullOrEmpty(settings.Index)) writer.WriteString("index", settings.Index);
            writer.WritePropertyName("event");
            alert.WriteTo(writer);
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
