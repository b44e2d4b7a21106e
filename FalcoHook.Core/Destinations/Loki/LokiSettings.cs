namespace FalcoHook.Core.Destinations.Loki;

/// <summary>The keys of a <c>Type: loki</c> destination besides the shared ones.</summary>
public sealed class LokiSettings
{
    /// <summary>Loki's base URL, e.g. <c>http://loki:3100</c> (required); alerts go to its <c>/loki/api/v1/push</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The tenant, sent as <c>X-Scope-OrgID</c> (multi-tenant Loki); unset sends no header.</summary>
    public string? Tenant { get; set; }

    /// <summary>Basic authentication (Grafana Cloud: the user id and an access token).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The alert fields that become stream labels: <c>rule</c>, <c>priority</c>, <c>source</c>, <c>hostname</c>, or an
    /// output field such as <c>k8s.ns.name</c> (label <c>k8s_ns_name</c>). A field the alert lacks adds no label.
    /// Unset: <see cref="DefaultLabels"/>.
    /// </summary>
    public List<string>? Labels { get; set; }

    public static readonly IReadOnlyList<string> DefaultLabels = ["priority", "rule", "source", "hostname"];

    /// <summary>The configured labels, or the defaults.</summary>
    public IReadOnlyList<string> LabelFields => Labels is { Count: > 0 } labels ? labels : DefaultLabels;

    /// <summary>Fixed labels added to every stream, e.g. <c>job: falco</c>.</summary>
    public Dictionary<string, string> ExtraLabels { get; set; } = new(StringComparer.Ordinal);
}
