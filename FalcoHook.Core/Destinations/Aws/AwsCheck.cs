using System.Text.RegularExpressions;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>Validation and secrets of the keys in <see cref="AwsSettings"/>, shared by the AWS types.</summary>
public static partial class AwsCheck
{
    public static IEnumerable<string> Validate(AwsSettings settings, string at, string type)
    {
        if (string.IsNullOrWhiteSpace(settings.Region)) yield return $"{at}:Region is required for type {type}";
        else if (!RegionName().IsMatch(settings.Region)) yield return $"{at}:Region must be an AWS region name such as us-east-1 (got '{settings.Region}')";
        if (!string.IsNullOrWhiteSpace(settings.ServiceUrl) && !(Uri.TryCreate(settings.ServiceUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return $"{at}:ServiceUrl must be an absolute http or https URL";
        if (string.IsNullOrEmpty(settings.AccessKeyId) != string.IsNullOrEmpty(settings.SecretAccessKey))
            yield return $"{at}:AccessKeyId and SecretAccessKey go together";
        if (!string.IsNullOrEmpty(settings.SessionToken) && string.IsNullOrEmpty(settings.AccessKeyId))
            yield return $"{at}:SessionToken needs AccessKeyId and SecretAccessKey";
    }

    public static IEnumerable<string> Secrets(AwsSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.SecretAccessKey)) yield return settings.SecretAccessKey;
        if (!string.IsNullOrEmpty(settings.SessionToken)) yield return settings.SessionToken;
    }

    /// <summary>The endpoint: <c>ServiceUrl</c>, else <c>https://&lt;service&gt;.&lt;region&gt;.amazonaws.com/</c> (<c>.amazonaws.com.cn</c> in China).</summary>
    public static Uri Endpoint(AwsSettings settings, string endpointPrefix)
    {
        if (!string.IsNullOrWhiteSpace(settings.ServiceUrl)) return new Uri(settings.ServiceUrl.TrimEnd('/') + "/");
        var region = settings.Region!.Trim();
        var domain = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{endpointPrefix}.{region}.{domain}/");
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionName();
}
