using FalcoHook.Core.Destinations.Elasticsearch;

namespace FalcoHook.Core.Destinations.OpenSearch;

/// <summary>
/// <c>Type: opensearch</c>: the Elasticsearch bulk sender (OpenSearch keeps the same <c>/_bulk</c> NDJSON format,
/// <c>create</c> with <c>_id</c>, per-item <c>status</c>/<c>error</c> answer and <c>_index_template</c>), with basic
/// authentication only (OpenSearch has no Elasticsearch API keys). API reference:
/// https://docs.opensearch.org/latest/api-reference/document-apis/bulk/ and
/// https://docs.opensearch.org/latest/im-plugin/index-templates/.
/// </summary>
public sealed class OpenSearchDestination : DestinationType<ElasticsearchSettings, ElasticsearchSender>
{
    public override string Name => "opensearch";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(ElasticsearchSettings settings, string at) => ElasticsearchDestination.Check(this, settings, at, apiKeys: false);

    public override Uri? Endpoint(ElasticsearchSettings settings) => null;

    public override IEnumerable<string> Secrets(ElasticsearchSettings settings) => ElasticsearchDestination.SecretsOf(settings);
}
