using System.Text.Json;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>What each <c>ka.req.pod.&lt;containers&gt;.X</c> field takes from one container.</summary>
internal static class PodFields
{
    /// <summary>(suffix, description, collector, one value per container).</summary>
    public static readonly (string Suffix, string Description, ItemCollector Collect, bool OnePerItem)[] ContainerFields =
    [
        ("name", "container names", Items.Property("name"), true),
        ("image", "container images", Items.Property("image"), true),
        ("image.repository", "container images without :tag and @digest (e.g. docker.io/falcosecurity/falco)", ImageRepository, true),
        ("command", "every entry of every container's command", Items.Elements("command"), false),
        ("args", "every entry of every container's args", Items.Elements("args"), false),
        ("privileged", "securityContext.privileged of each container that sets it", Items.Property("securityContext", "privileged"), true),
        ("allow_privilege_escalation", "securityContext.allowPrivilegeEscalation of each container that sets it", Items.Property("securityContext", "allowPrivilegeEscalation"), true),
        ("read_only_fs", "securityContext.readOnlyRootFilesystem of each container that sets it", Items.Property("securityContext", "readOnlyRootFilesystem"), true),
        ("run_as_user", "securityContext.runAsUser of each container that sets it", Items.Property("securityContext", "runAsUser"), true),
        ("run_as_group", "securityContext.runAsGroup of each container that sets it", Items.Property("securityContext", "runAsGroup"), true),
        ("eff_run_as_user", "the uid each container starts with: its runAsUser, else the pod's, else 0", Effective("runAsUser"), true),
        ("eff_run_as_group", "the gid each container starts with: its runAsGroup, else the pod's, else 0", Effective("runAsGroup"), true),
        ("proc_mount", "securityContext.procMount of each container that sets it", Items.Property("securityContext", "procMount"), true),
        ("add_capabilities", "every capability in securityContext.capabilities.add", Items.Elements("securityContext", "capabilities", "add"), false),
        ("host_port", "every hostPort of every container port (the containerPort when the pod uses hostNetwork)", HostPorts, false),
    ];

    private static readonly JsonPath Image = new("image");

    public static void ImageRepository(JsonElement container, JsonElement spec, List<string> into)
    {
        if (Image.TryGet(container, out var image) && image.ValueKind == JsonValueKind.String)
            into.Add(RepositoryOf(image.GetString()!));
    }

    /// <summary>
    /// <c>registry:5000/team/app:1.2@sha256:…</c> gives <c>registry:5000/team/app</c>: the digest goes, and a tag
    /// is a colon after the last slash (a registry port is kept).
    /// </summary>
    public static string RepositoryOf(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) image = image[..at];
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }

    private static ItemCollector Effective(string key)
    {
        var own = new JsonPath("securityContext", key);
        return (container, spec, into) =>
        {
            if (own.TryGet(container, out var value) || own.TryGet(spec, out value)) into.Add(JsonText.Of(value));
            else into.Add("0");
        };
    }

    private static readonly JsonPath Ports = new("ports");
    private static readonly JsonPath HostNetwork = new("hostNetwork");

    private static void HostPorts(JsonElement container, JsonElement spec, List<string> into)
    {
        if (!Ports.TryGet(container, out var ports) || ports.ValueKind != JsonValueKind.Array) return;
        var hostNetwork = HostNetwork.TryGet(spec, out var flag) && flag.ValueKind == JsonValueKind.True;
        foreach (var port in ports.EnumerateArray())
        {
            if (port.ValueKind != JsonValueKind.Object) continue;
            if (port.TryGetProperty("hostPort"u8, out var hostPort)) into.Add(JsonText.Of(hostPort));
            else if (hostNetwork && port.TryGetProperty("containerPort"u8, out var containerPort)) into.Add(JsonText.Of(containerPort));
        }
    }

    /// <summary>The volume's source kinds: every key but <c>name</c> (<c>hostPath</c>, <c>configMap</c>…).</summary>
    public static void VolumeTypes(JsonElement volume, JsonElement spec, List<string> into)
    {
        if (volume.ValueKind != JsonValueKind.Object) return;
        foreach (var property in volume.EnumerateObject())
            if (!property.NameEquals("name"u8)) into.Add(property.Name);
    }

    private static readonly JsonPath BindingNamespace = new("metadata", "namespace");

    /// <summary>
    /// Collects <c>name</c> of subjects of one kind; with <paramref name="withNamespace"/> as <c>namespace:name</c>
    /// (a subject without a namespace takes the binding's own).
    /// </summary>
    public static ItemCollector SubjectNames(string kind, bool withNamespace = false) => (subject, binding, into) =>
    {
        if (subject.ValueKind != JsonValueKind.Object
            || !subject.TryGetProperty("kind"u8, out var k) || k.ValueKind != JsonValueKind.String || !k.ValueEquals(kind)
            || !subject.TryGetProperty("name"u8, out var name))
            return;
        if (!withNamespace) into.Add(JsonText.Of(name));
        else
        {
            var ns = subject.TryGetProperty("namespace"u8, out var n) || BindingNamespace.TryGet(binding, out n) ? JsonText.Of(n) : "";
            into.Add(ns + ":" + JsonText.Of(name));
        }
    };
}
