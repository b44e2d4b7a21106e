using System.Diagnostics.CodeAnalysis;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;

namespace FalcoHook.Benchmarks;

/// <summary>
/// A stand-in for the k8s_audit provider: accepts every <c>ka.*</c>/<c>jevt.*</c> field and
/// reads pre-extracted values from a dictionary event. It measures the engine (resolution once, lazy cached
/// extraction, compiled predicates), not JSON extraction, which the real provider adds.
/// </summary>
internal sealed class SyntheticAuditProvider : IFieldProvider
{
    public string Source => K8sAuditFieldProvider.SourceName;
    public IReadOnlyList<FieldInfo> Fields => [];

    public bool TryResolve(string name, string? argument, [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        extractor = null;
        error = null;
        if (!name.StartsWith("ka.", StringComparison.Ordinal) && !name.StartsWith("jevt.", StringComparison.Ordinal))
        {
            error = $"unknown field '{name}'";
            return false;
        }
        extractor = new Extractor(argument is null ? name : $"{name}[{argument}]");
        return true;
    }

    public long GetEventTime(object evt) => 1_700_000_000_000_000_000;

    private sealed class Extractor(string key) : IFieldExtractor
    {
        public bool IsList => false;
        public FieldValue Extract(object evt) =>
            ((Dictionary<string, FieldValue>)evt).TryGetValue(key, out var value) ? value : FieldValue.Missing;
    }

    /// <summary>A handful of typical audit events: reads by system users, a pod exec, a configmap create, an anonymous request.</summary>
    public static Dictionary<string, FieldValue>[] SampleEvents() =>
    [
        Event(("jevt.value[/stage]", "ResponseComplete"), ("ka.verb", "get"), ("ka.user.name", "system:kube-scheduler"),
            ("ka.target.resource", "leases"), ("ka.target.namespace", "kube-system"), ("ka.uri", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler"),
            ("ka.response.code", "200"), ("ka.user.groups", new[] { "system:authenticated" })),
        Event(("jevt.value[/stage]", "ResponseStarted"), ("ka.verb", "create"), ("ka.user.name", "alice"),
            ("ka.target.resource", "pods"), ("ka.target.subresource", "exec"), ("ka.target.name", "web-0"),
            ("ka.target.namespace", "default"), ("ka.uri.param[command]", "bash"), ("ka.response.code", "101")),
        Event(("jevt.value[/stage]", "ResponseComplete"), ("ka.verb", "create"), ("ka.user.name", "bob"),
            ("ka.target.resource", "configmaps"), ("ka.target.name", "app-config"), ("ka.target.namespace", "default"),
            ("ka.req.configmap.obj", "{\"data\":{\"aws_access_key_id\":\"x\"}}"), ("ka.response.code", "201")),
        Event(("jevt.value[/stage]", "ResponseComplete"), ("ka.verb", "get"), ("ka.user.name", "system:anonymous"),
            ("ka.uri", "/readyz"), ("ka.auth.decision", "allow"), ("ka.response.code", "200")),
        Event(("jevt.value[/stage]", "ResponseComplete"), ("ka.verb", "create"), ("ka.user.name", "carol"),
            ("ka.target.resource", "pods"), ("ka.target.name", "nginx"), ("ka.target.namespace", "default"),
            ("ka.req.pod.containers.image", new[] { "nginx:1.25" }), ("ka.req.pod.containers.image.repository", new[] { "nginx" }),
            ("ka.req.pod.containers.privileged", new[] { "true" }), ("ka.req.pod.host_network", "false"), ("ka.response.code", "201")),
        Event(("jevt.value[/stage]", "ResponseComplete"), ("ka.verb", "list"), ("ka.user.name", "system:serviceaccount:kube-system:coredns"),
            ("ka.target.resource", "endpoints"), ("ka.uri", "/api/v1/endpoints"), ("ka.response.code", "200")),
    ];

    private static Dictionary<string, FieldValue> Event(params (string Key, object Value)[] fields) =>
        fields.ToDictionary(f => f.Key, f => f.Value is string[] list ? FieldValue.OfList(list) : FieldValue.Of((string)f.Value));
}
