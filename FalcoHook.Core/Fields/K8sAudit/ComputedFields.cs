using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>Fields computed from several parts of the event rather than read at one path.</summary>
internal static class ComputedFields
{
    /// <summary>Falco's own form of ISO 8601 for this field: nine fractional digits and a <c>+0000</c> offset.</summary>
    public static FieldValue IsoTime(AuditEvent e)
    {
        var text = e.Time.ToString(); // …nnnnnnnnnZ
        return FieldValue.Of(string.Concat(text.AsSpan(0, text.Length - 1), "+0000"));
    }

    public static FieldValue RawTime(AuditEvent e) => FieldValue.Of(e.UnixNanoseconds.ToString(CultureInfo.InvariantCulture));

    private static readonly JsonPath RequestUri = new("requestURI");

    public static Func<AuditEvent, FieldValue> UriParam(string key) => e =>
    {
        if (!RequestUri.TryGet(e.Element, out var uri) || uri.ValueKind != JsonValueKind.String) return FieldValue.Missing;
        var text = uri.GetString()!;
        var question = text.IndexOf('?');
        if (question < 0) return FieldValue.Missing;
        var query = text.AsSpan(question + 1);
        var hash = query.IndexOf('#');
        if (hash >= 0) query = query[..hash];
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var rawName = equals < 0 ? pair : pair[..equals];
            if (QueryDecode(rawName) != key) continue;
            return FieldValue.Of(equals < 0 ? "" : QueryDecode(pair[(equals + 1)..]));
        }
        return FieldValue.Missing;
    };

    private static string QueryDecode(ReadOnlySpan<char> text) =>
        text.ContainsAny('%', '+') ? Uri.UnescapeDataString(text.ToString().Replace('+', ' ')) : text.ToString();

    private static readonly JsonPath ObjectResource = new("objectRef", "resource");
    private static readonly JsonPath ObjectSubresource = new("objectRef", "subresource");
    private static readonly JsonPath ResponseName = new("responseObject", "metadata", "name");

    public static FieldValue TargetPodName(AuditEvent e)
    {
        var root = e.Element;
        if (!ObjectResource.TryGet(root, out var resource) || !resource.ValueEquals("pods"u8)) return FieldValue.Missing;
        if (ObjectSubresource.TryGet(root, out var sub) && !(sub.ValueKind == JsonValueKind.String && sub.GetString() is "")) return FieldValue.Missing;
        return Values.Single(root, ResponseName);
    }

    public static Func<AuditEvent, FieldValue> FirstContainer(ItemCollector collect) =>
        Items.Over(new JsonPath("requestObject", "spec"), "containers", 0, true, collect);

    private static readonly JsonPath Containers = new("requestObject", "spec", "containers");
    private static readonly JsonPath Privileged = new("securityContext", "privileged");

    public static FieldValue AnyContainerPrivileged(AuditEvent e)
    {
        if (!Containers.TryGet(e.Element, out var containers) || containers.ValueKind != JsonValueKind.Array) return FieldValue.Missing;
        foreach (var container in containers.EnumerateArray())
            if (Privileged.TryGet(container, out var flag) && flag.ValueKind == JsonValueKind.True) return FieldValue.Of("true");
        return FieldValue.Of("false");
    }

    private static readonly JsonPath Volumes = new("requestObject", "spec", "volumes");
    private static readonly JsonPath HostPath = new("hostPath", "path");

    public static Func<AuditEvent, FieldValue> VolumeHostPath(string path)
    {
        var prefix = path.EndsWith('*') ? path[..^1] : null;
        return e =>
        {
            if (!Volumes.TryGet(e.Element, out var volumes) || volumes.ValueKind != JsonValueKind.Array) return FieldValue.Missing;
            foreach (var volume in volumes.EnumerateArray())
            {
                if (!HostPath.TryGet(volume, out var p) || p.ValueKind != JsonValueKind.String) continue;
                var hostPath = p.GetString()!;
                if (prefix is null ? hostPath == path : hostPath.StartsWith(prefix, StringComparison.Ordinal)) return FieldValue.Of("true");
            }
            return FieldValue.Of("false");
        };
    }
}
