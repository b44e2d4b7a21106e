namespace FalcoHook.Core.Destinations.Datadog;

/// <summary>
/// <c>Type: datadog</c>: batches of alerts to the Datadog logs intake v2. API reference:
/// https://docs.datadoghq.com/api/latest/logs/send-logs/ (<c>POST https://http-intake.logs.&lt;site&gt;/api/v2/logs</c>,
/// <c>DD-API-KEY</c>, a JSON array of at most 1,000 logs and 5 MB, answer 202; 400/403/413 refuse the request, 429 and
/// 5xx ask for a retry). The intake has no idempotency key: a batch sent again after a failure it had taken is logged twice.
/// </summary>
public sealed class DatadogDestination : DestinationType<DatadogSettings, DatadogSender>
{
    private static readonly string[] Sites =
        ["datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com", "datadoghq.eu", "ap1.datadoghq.com", "ap2.datadoghq.com", "uk1.datadoghq.com", "ddog-gov.com", "us2.ddog-gov.com"];

    public override string Name => "datadog";

    /// <summary>500 a request: under the intake's 1,000 logs and 5 MB for alerts of up to 10 KB.</summary>
    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(DatadogSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
        if (settings.Url is null && !Sites.Contains(settings.Site.Trim().ToLowerInvariant()))
            yield return $"{at}:Site must be one of {string.Join(", ", Sites)} (got '{settings.Site}')";
        if (string.IsNullOrWhiteSpace(settings.ApiKey)) yield return $"{at}:ApiKey is required for type {Name}";
    }

    public override Uri Endpoint(DatadogSettings settings) =>
        new(settings.Url ?? $"https://http-intake.logs.{settings.Site.Trim().ToLowerInvariant()}/api/v2/logs", UriKind.Absolute);

    public override IEnumerable<string> Secrets(DatadogSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.ApiKey)) yield return settings.ApiKey;
    }
}
