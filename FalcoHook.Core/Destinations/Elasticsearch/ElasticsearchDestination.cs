namespace FalcoHook.Core.Destinations.Elasticsearch;

/// <summary>
/// <c>Type: elasticsearch</c>: batches of alerts through the bulk API (one <c>create</c> per delivery, <c>_id</c> = the
/// delivery id, so a batch sent again after a crash or a partial failure adds no duplicate: the cluster answers 409 for
/// what it has). API reference: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk and
/// https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html (NDJSON, <c>application/x-ndjson</c>,
/// per-item <c>status</c> and <c>error</c>); index templates: .../indices-put-template.html; API keys:
/// <c>Authorization: ApiKey &lt;encoded&gt;</c>.
/// </summary>
public sealed class ElasticsearchDestination : DestinationType<ElasticsearchSettings, ElasticsearchSender>
{
    public override string Name => "elasticsearch";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(ElasticsearchSettings settings, string at) => Check(this, settings, at, apiKeys: true);

    /// <summary>Null: the sender addresses <c>/_bulk</c> and <c>/_index_template</c> under <c>Url</c> itself.</summary>
    public override Uri? Endpoint(ElasticsearchSettings settings) => null;

    public override IEnumerable<string> Secrets(ElasticsearchSettings settings) => SecretsOf(settings);

    internal static IEnumerable<string> Check<T>(DestinationType<ElasticsearchSettings, T> type, ElasticsearchSettings settings, string at, bool apiKeys)
        where T : DestinationSender<ElasticsearchSettings>
    {
        if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Url is required for type {type.Name}";
        else if (!(Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return $"{at}:Url must be an absolute http or https URL";
        if (string.IsNullOrWhiteSpace(settings.Index) || settings.Index != settings.Index.ToLowerInvariant() || settings.Index.IndexOfAny([' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?', '#']) >= 0)
            yield return $"{at}:Index must be a lowercase index name without spaces or any of \" * \\ < | , > / ? # (got '{settings.Index}')";
        if (BulkBody.SuffixFormat(settings.IndexSuffix) is null) yield return $"{at}:IndexSuffix must be daily, monthly, yearly or none (got '{settings.IndexSuffix}')";
        if (settings.OutputFields.Trim().ToLowerInvariant() is not ("nested" or "flattened")) yield return $"{at}:OutputFields must be nested or flattened (got '{settings.OutputFields}')";
        if (!apiKeys && !string.IsNullOrEmpty(settings.ApiKey)) yield return $"{at}:ApiKey is not supported by type {type.Name}; use Username and Password";
        if (!string.IsNullOrEmpty(settings.ApiKey) && !string.IsNullOrEmpty(settings.Username)) yield return $"{at}:ApiKey and Username exclude each other";
        if (string.IsNullOrEmpty(settings.Username) != string.IsNullOrEmpty(settings.Password)) yield return $"{at}:Username and Password go together";
    }

    internal static IEnumerable<string> SecretsOf(ElasticsearchSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.ApiKey)) yield return settings.ApiKey;
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
        foreach (var secret in Redaction.UrlSecrets(settings.Url)) yield return secret;
    }
}
