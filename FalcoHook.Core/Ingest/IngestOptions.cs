namespace FalcoHook.Core.Ingest;

/// <summary>
/// <c>FalcoHook:Ingest</c>: what the endpoints take. The inbox's keys of the same section (QueueCapacity,
/// QueueFullWait…) are in <see cref="InboxOptions"/>.
/// </summary>
public sealed class IngestOptions
{
    public const string Section = "FalcoHook:Ingest";

    /// <summary>Largest Falco alert body, in bytes (413 above it).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest <c>/k8s-audit</c> body, in bytes (kube-apiserver's batches are at most 10 MiB).</summary>
    public long AuditMaxBodyBytes { get; set; } = 12 * 1024 * 1024;

    /// <summary>The <c>Retry-After</c> sent with 503 and 429, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Bearer tokens accepted on <c>/k8s-audit</c>; none configured means no token is required.</summary>
    public List<string> AuditTokens { get; set; } = [];
}
