namespace FalcoHook.Core.Destinations.Elasticsearch;

/// <summary>The keys of a <c>Type: elasticsearch</c> or <c>Type: opensearch</c> destination besides the shared ones.</summary>
public sealed class ElasticsearchSettings
{
    /// <summary>The cluster's base URL, e.g. <c>https://es.example:9200</c> (required); requests go to its <c>/_bulk</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The index name, before its date suffix.</summary>
    public string Index { get; set; } = "falco";

    /// <summary><c>daily</c> (<c>falco-2026.12.01</c>), <c>monthly</c> (<c>falco-2026.12</c>), <c>yearly</c> (<c>falco-2026</c>) or <c>none</c>; the date is the alert's time, UTC.</summary>
    public string IndexSuffix { get; set; } = "daily";

    /// <summary>An Elasticsearch API key (the encoded form), sent as <c>Authorization: ApiKey …</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Basic authentication.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>When true, the index template <c>&lt;Index&gt;</c> (keyword rule, priority, source, hostname, tags; date_nanos time) is put once before the first bulk request.</summary>
    public bool IndexTemplate { get; set; }

    /// <summary><c>nested</c> (output_fields keys as they are: the cluster maps <c>proc.name</c> as <c>proc</c> → <c>name</c>) or <c>flattened</c> (dots become underscores: <c>proc_name</c>, no mapping conflicts between <c>a.b</c> and <c>a.b.c</c>).</summary>
    public string OutputFields { get; set; } = "nested";
}
