using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations;

/// <summary>The named map <c>FalcoHook:Destinations</c>.</summary>
public sealed class DestinationsOptions
{
    public const string Section = "FalcoHook:Destinations";

    public Dictionary<string, DestinationOptions> Items { get; } = new(StringComparer.Ordinal);
}

/// <summary>Checks every destination at start; each message names the exact key.</summary>
public sealed class DestinationsOptionsValidator : IValidateOptions<DestinationsOptions>
{
    private static readonly string[] Types = ["slack", "pagerduty", "webhook"];
    private static readonly string[] Severities = ["critical", "error", "warning", "info"];

    public ValidateOptionsResult Validate(string? name, DestinationsOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, d) in options.Items)
        {
            var at = $"{DestinationsOptions.Section}:{key}";
            var type = d.Type.Trim().ToLowerInvariant();
            if (!Types.Contains(type))
            {
                errors.Add($"{at}:Type must be one of slack, pagerduty, webhook (got '{d.Type}')");
                continue;
            }
            if (type is "slack" or "webhook" && string.IsNullOrWhiteSpace(d.Url))
                errors.Add($"{at}:Url is required for type {type}");
            if (!string.IsNullOrWhiteSpace(d.Url) && !(Uri.TryCreate(d.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                errors.Add($"{at}:Url must be an absolute http or https URL");
            if (type == "pagerduty")
            {
                if (string.IsNullOrWhiteSpace(d.RoutingKey)) errors.Add($"{at}:RoutingKey is required for type pagerduty");
                if (d.Region.Trim().ToLowerInvariant() is not ("us" or "eu")) errors.Add($"{at}:Region must be us or eu (got '{d.Region}')");
                foreach (var (priority, severity) in d.Severities)
                {
                    if (!Alerts.Priorities.TryParse(priority, out _)) errors.Add($"{at}:Severities:{priority} is not a Falco priority");
                    if (!Severities.Contains(severity.Trim().ToLowerInvariant())) errors.Add($"{at}:Severities:{priority} must be critical, error, warning or info (got '{severity}')");
                }
            }
            if (type == "webhook")
            {
                if (d.Method.Trim().ToUpperInvariant() is not ("POST" or "PUT")) errors.Add($"{at}:Method must be POST or PUT (got '{d.Method}')");
                if (d.Secret is { } secret && !Webhook.StandardWebhookSigner.TryDecodeSecret(secret, out _))
                    errors.Add($"{at}:Secret must be whsec_ followed by base64 (the Standard Webhooks format)");
            }
            if (d.MaxConcurrency < 1) errors.Add($"{at}:MaxConcurrency must be at least 1");
            if (d.RatePerSecond is < 0) errors.Add($"{at}:RatePerSecond must not be negative");
            if (d.Timeout <= TimeSpan.Zero) errors.Add($"{at}:Timeout must be positive");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
