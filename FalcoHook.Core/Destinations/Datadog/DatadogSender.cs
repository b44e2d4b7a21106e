using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.Datadog;

/// <summary>
/// One intake request per batch: a JSON array with one log per alert — <c>ddsource</c> falco, <c>service</c>,
/// <c>hostname</c>, <c>ddtags</c>, <c>status</c> from the priority, <c>message</c> the output, and the whole alert
/// (summary fields included) under <c>falco</c>. The intake answers for the request as a whole.
/// </summary>
public sealed class DatadogSender(JsonPost post) : BatchDestinationSender<DatadogSettings>
{
    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, DatadogSettings settings, CancellationToken cancellationToken)
    {
        using var content = JsonPost.Json(Body(batch, settings));
        return await post.SendBatchAsync(batch, content, cancellationToken,
            new JsonPostOptions { Headers = [new("DD-API-KEY", settings.ApiKey!)] }).ConfigureAwait(false);
    }

    public static byte[] Body(IReadOnlyList<DeliveryAttempt> batch, DatadogSettings settings)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = FalcoAlert.WriterOptions.Encoder }))
        {
            writer.WriteStartArray();
            foreach (var attempt in batch)
            {
                var alert = SummaryFields.AlertOf(attempt.Notification);
                writer.WriteStartObject();
                writer.WriteString("ddsource", "falco");
                writer.WriteString("service", settings.Service);
                if (alert.Hostname is not null) writer.WriteString("hostname", alert.Hostname);
                writer.WriteString("ddtags", string.Join(',', Tags(alert, settings)));
                writer.WriteString("status", Status(alert.Priority));
                writer.WriteString("message", alert.Output);
                writer.WritePropertyName("falco");
                alert.WriteTo(writer);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<string> Tags(FalcoAlert alert, DatadogSettings settings)
    {
        foreach (var tag in settings.Tags) yield return tag;
        yield return "priority:" + alert.Priority.ToFalcoString().ToLowerInvariant();
        yield return "rule:" + alert.Rule.Replace(',', ' ');
        if (alert.Source is not null) yield return "source:" + alert.Source;
        foreach (var tag in alert.Tags) yield return tag.Replace(',', ' ');
    }

    /// <summary>Datadog's log status (the syslog severities) for a Falco priority.</summary>
    public static string Status(Priority priority) => priority switch
    {
        Priority.Emergency => "emergency",
        Priority.Alert => "alert",
        Priority.Critical => "critical",
        Priority.Error => "error",
        Priority.Warning => "warning",
        Priority.Notice => "notice",
        Priority.Informational => "info",
        _ => "debug",
    };
}
