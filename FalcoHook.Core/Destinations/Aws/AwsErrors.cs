using System.Text.Json;
using System.Xml.Linq;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>
/// Reads an AWS error answer into a <see cref="SendResult"/>. AWS answers throttling with 400 and a code (the JSON
/// protocols' <c>__type</c>, the Query protocol's <c>&lt;Error&gt;&lt;Code&gt;</c>), so the code decides: the throttling and
/// transient codes the AWS SDKs retry, and every 5xx, are retried; any other code is permanent.
/// </summary>
public static class AwsErrors
{
    private static readonly HashSet<string> Retryable = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "KMSThrottlingException", "RequestTimeout",
        "RequestTimeoutException", "InternalFailure", "InternalError", "InternalErrorException", "ServiceUnavailable",
        "ServiceUnavailableException", "ExpiredToken", "ExpiredTokenException", "RequestExpired", "IDPCommunicationError",
    };

    /// <summary>Whether an AWS error code (or a per-item error code) is worth another try.</summary>
    public static bool IsRetryable(string? code) => code is not null && Retryable.Contains(code);

    /// <summary>The outcome of a non-2xx AWS answer.</summary>
    public static async Task<SendResult> FromResponseAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await HttpOutcome.ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var (code, message) = Read(body, response);
        var error = code is null ? HttpOutcome.Describe(status, body) : $"HTTP {status}: {code}: {message}";
        return status >= 500 || status is 408 or 429 || IsRetryable(code)
            ? SendResult.Retry(error, HttpOutcome.RetryAfter(response, time))
            : SendResult.Permanent(error);
    }

    /// <summary>The error code and message of a JSON (<c>__type</c>, <c>message</c>) or XML (<c>Error/Code</c>, <c>Error/Message</c>) answer.</summary>
    public static (string? Code, string? Message) Read(string body, HttpResponseMessage? response = null)
    {
        var text = body.TrimStart();
        try
        {
            if (text.StartsWith('{'))
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                var type = Property(root, "__type") ?? Header(response, "x-amzn-ErrorType");
                var message = Property(root, "message") ?? Property(root, "Message");
                return (type is null ? null : Short(type), message);
            }
            if (text.StartsWith('<'))
            {
                var error = XDocument.Parse(text).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                var code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
                var message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
                return (code, message);
            }
        }
        catch (Exception e) when (e is JsonException or System.Xml.XmlException)
        {
        }
        var header = Header(response, "x-amzn-ErrorType");
        return (header is null ? null : Short(header), null);
    }

    /// <summary><c>com.amazonaws.kinesis#ResourceNotFoundException</c> or <c>ResourceNotFoundException:http://…</c> → <c>ResourceNotFoundException</c>.</summary>
    private static string Short(string type)
    {
        var hash = type.LastIndexOf('#');
        if (hash >= 0) type = type[(hash + 1)..];
        var colon = type.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? type[..colon] : type;
    }

    private static string? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Header(HttpResponseMessage? response, string name) =>
        response is not null && response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
