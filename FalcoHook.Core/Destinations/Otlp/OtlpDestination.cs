namespace FalcoHook.Core.Destinations.Otlp;

/// <summary>
/// <c>Type: otlp</c>: batches of alerts as OpenTelemetry log records over OTLP/HTTP in binary protobuf, to any
/// OpenTelemetry collector or OTLP logs intake. Checked against the OTLP specification
/// (https://opentelemetry.io/docs/specs/otlp/#otlphttp: <c>POST {Url}/v1/logs</c>, <c>Content-Type:
/// application/x-protobuf</c>, an <c>ExportLogsServiceRequest</c>; 200 with an <c>ExportLogsServiceResponse</c> whose
/// <c>partial_success</c> counts rejected records, which must not be sent again; 429, 502, 503 and 504 retryable with
/// <c>Retry-After</c>, any other failure not; a failure's body a <c>google.rpc.Status</c>) and the logs data model
/// (https://opentelemetry.io/docs/specs/otel/logs/data-model/: severity numbers, body, attributes). OTLP has no
/// idempotency key: a batch sent again after a failure may be stored twice.
/// </summary>
public sealed class OtlpDestination : DestinationType<OtlpSettings, OtlpSender>
{
    public override string Name => "otlp";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(OtlpSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.ServiceName)) yield return $"{at}:ServiceName must not be empty";
        foreach (var (name, _) in settings.Headers)
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => c <= ' ' || c == ':' || c > '~'))
                yield return $"{at}:Headers:{name} is not an HTTP header name";
    }

    public override Uri Endpoint(OtlpSettings settings)
    {
        var url = settings.Url!.TrimEnd('/');
        return new Uri(url.EndsWith("/v1/logs", StringComparison.Ordinal) ? url : url + "/v1/logs", UriKind.Absolute);
    }

    public override IEnumerable<string> Secrets(OtlpSettings settings)
    {
        foreach (var value in settings.Headers.Values)
        {
            yield return value;
            // "Bearer abc…" and "Basic abc…": the credential alone too.
            if (value.Split(' ', 2) is [_, var credential]) yield return credential;
        }
        foreach (var secret in Redaction.UrlSecrets(settings.Url).Skip(1).Where(s => s.Contains('@') || s.Contains(':'))) yield return secret;
    }
}
