using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Destinations.Otlp;

/// <summary>
/// One export per batch (<see cref="OtlpLogs"/>). A 2xx is delivered for the whole batch; when its
/// <c>partial_success</c> says the collector rejected records, that is logged with its count and message (OTLP does not
/// say which, and rejected records must not be sent again), and a batch rejected whole is dead. 429, 502, 503 and 504
/// are retried with <c>Retry-After</c>; any other status is dead, with the <c>google.rpc.Status</c> message.
/// </summary>
public sealed partial class OtlpSender(IHttpClientFactory factory, TimeProvider time, ILogger<OtlpSender> logger) : BatchDestinationSender<OtlpSettings>
{
    public const string ContentType = "application/x-protobuf";

    private static readonly string HostName = Dns.GetHostName();

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, OtlpSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, destination.Endpoint);
            request.Content = new ByteArrayContent(OtlpLogs.Request(batch, settings, HostName, time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
            foreach (var (name, value) in settings.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var response = await factory.CreateClient(DestinationCatalog.HttpClientName(destination.Name))
                .SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return Answer(response, body, batch.Count, destination);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return All(HttpOutcome.FromException(e, destination.Options), batch.Count);
        }
    }

    private IReadOnlyList<SendResult> Answer(HttpResponseMessage response, byte[] body, int count, ConfiguredDestination destination)
    {
        var status = (int)response.StatusCode;
        var protobuf = response.Content.Headers.ContentType?.MediaType == ContentType;
        if (status is >= 200 and < 300)
        {
            var (rejected, message) = protobuf ? OtlpLogs.PartialSuccess(body) : (0, null);
            if (rejected <= 0) return All(SendResult.Delivered, count);
            var why = Redaction.Scrub(message ?? "no reason given", destination);
            if (rejected >= count) return All(SendResult.Permanent($"otlp: the collector rejected the batch's {count} log records: {why}"), count);
            LogPartlyRejected(logger, destination.Name, rejected, count, why);
            return All(SendResult.Delivered, count);
        }
        var text = protobuf ? OtlpLogs.StatusMessage(body) ?? "" : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096));
        var error = "otlp: " + HttpOutcome.Describe(status, text);
        return All(status is 429 or 502 or 503 or 504
            ? SendResult.Retry(error, HttpOutcome.RetryAfter(response, time))
            : SendResult.Permanent(error), count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination}: the collector rejected {Rejected} of {Count} log records (not sent again): {Reason}")]
    private static partial void LogPartlyRejected(ILogger logger, string destination, long rejected, int count, string reason);
}
