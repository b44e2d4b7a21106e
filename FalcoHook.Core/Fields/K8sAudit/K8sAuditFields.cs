using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>The table of <c>k8s_audit</c> fields: name, description, argument and extraction.</summary>
internal static class K8sAuditFields
{
    private static readonly JsonPath Root = new();
    private static readonly JsonPath RequestObject = new("requestObject");
    private static readonly JsonPath Spec = new("requestObject", "spec");

    public static readonly FieldDefinition[] All = Build();

    private static FieldDefinition[] Build()
    {
        var fields = new List<FieldDefinition>
        {
            At("ka.auditid", "The unique id of the audit event", "auditID"),
            At("ka.stage", "Stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic)", "stage"),
            At("ka.auth.decision", "The authorization decision (annotation authorization.k8s.io/decision)", "annotations", "authorization.k8s.io/decision"),
            At("ka.auth.reason", "The authorization reason (annotation authorization.k8s.io/reason)", "annotations", "authorization.k8s.io/reason"),
            At("ka.auth.openshift.decision", "The OpenShift authentication decision (annotation authentication.openshift.io/decision)", "annotations", "authentication.openshift.io/decision"),
            At("ka.auth.openshift.username", "The user name of the OpenShift authentication (annotation authentication.openshift.io/username)", "annotations", "authentication.openshift.io/username"),
            At("ka.validations.admission.policy.failure", "Validation failures of a ValidatingAdmissionPolicy (annotation validation.policy.admission.k8s.io/validation_failure)", "annotations", "validation.policy.admission.k8s.io/validation_failure"),
            At("ka.security.pod.violations", "Pod Security violations (annotation pod-security.kubernetes.io/audit-violations)", "annotations", "pod-security.kubernetes.io/audit-violations"),
            At("ka.user.name", "The user name performing the request", "user", "username"),
            ListAt("ka.user.groups", "The groups of the user performing the request", "user", "groups"),
            At("ka.impuser.name", "The impersonated user name", "impersonatedUser", "username"),
            At("ka.verb", "The action being performed (get, list, create, …)", "verb"),
            At("ka.uri", "The request URI as sent by the client", "requestURI"),
            Keyed("ka.uri.param", "The first value of a query parameter of the request URI (ka.uri.param[command])", ComputedFields.UriParam),
            At("ka.target.name", "The target object name", "objectRef", "name"),
            At("ka.target.namespace", "The target object namespace", "objectRef", "namespace"),
            At("ka.target.resource", "The target object resource", "objectRef", "resource"),
            At("ka.target.subresource", "The target object subresource", "objectRef", "subresource"),
            Plain("ka.target.pod.name", "The pod name from the response, for pod requests without a subresource", ComputedFields.TargetPodName),
            At("ka.resp.name", "The response object name", "responseObject", "metadata", "name"),
            At("ka.response.code", "The response code", "responseStatus", "code"),
            At("ka.response.reason", "The response reason (usually only on failures)", "responseStatus", "reason"),
            At("ka.useragent", "The user agent of the client", "userAgent"),
            Indexed("ka.sourceips", "The IP addresses of the client (top-level sourceIPs)", Root, "sourceIPs", true, Items.Self),
            At("ka.cluster.name", "The cluster name (annotation cluster_name)", "annotations", "cluster_name"),

            Listed("ka.req.binding.subjects", "The subjects of a role binding, each as JSON", RequestObject, "subjects", Items.Self),
            Listed("ka.req.binding.subjects.user_names", "The names of the User subjects of a role binding", RequestObject, "subjects", PodFields.SubjectNames("User")),
            Listed("ka.req.binding.subjects.serviceaccount_names", "The names of the ServiceAccount subjects of a role binding", RequestObject, "subjects", PodFields.SubjectNames("ServiceAccount")),
            Listed("ka.req.binding.subjects.serviceaccount_ns_names", "namespace:name of the ServiceAccount subjects of a role binding", RequestObject, "subjects", PodFields.SubjectNames("ServiceAccount", withNamespace: true)),
            Listed("ka.req.binding.subjects.group_names", "The names of the Group subjects of a role binding", RequestObject, "subjects", PodFields.SubjectNames("Group")),
            At("ka.req.binding.role", "The role a role binding refers to (roleRef.name)", "requestObject", "roleRef", "name"),
            Keyed("ka.req.binding.subject.has_name", "Deprecated: always true", _ => static _ => FieldValue.Of("true"), deprecated: true),

            At("ka.req.configmap.name", "The name of the configmap", "objectRef", "name"),
            At("ka.req.configmap.obj", "The data of the configmap in the request, as JSON", "requestObject", "data"),

            At("ka.req.pod.host_ipc", "The pod's hostIPC flag", "requestObject", "spec", "hostIPC"),
            At("ka.req.pod.host_network", "The pod's hostNetwork flag", "requestObject", "spec", "hostNetwork"),
            At("ka.req.pod.host_pid", "The pod's hostPID flag", "requestObject", "spec", "hostPID"),
            At("ka.req.pod.run_as_user", "The pod's securityContext.runAsUser", "requestObject", "spec", "securityContext", "runAsUser"),
            At("ka.req.pod.run_as_group", "The pod's securityContext.runAsGroup", "requestObject", "spec", "securityContext", "runAsGroup"),
            At("ka.req.pod.fs_group", "The pod's securityContext.fsGroup", "requestObject", "spec", "securityContext", "fsGroup"),
            ListAt("ka.req.pod.supplemental_groups", "The pod's securityContext.supplementalGroups", "requestObject", "spec", "securityContext", "supplementalGroups"),
            Indexed("ka.req.pod.volumes.hostpath", "The hostPath path of every hostPath volume", Spec, "volumes", true, Items.Property("hostPath", "path")),
            Indexed("ka.req.pod.volumes.flexvolume_driver", "The driver of every flexVolume volume", Spec, "volumes", true, Items.Property("flexVolume", "driver")),
            Indexed("ka.req.pod.volumes.volume_type", "The source kind of every volume (its keys other than name: hostPath, secret, …)", Spec, "volumes", false, PodFields.VolumeTypes),

            Plain("ka.req.container.image", "Deprecated: the image of the first container", ComputedFields.FirstContainer(Items.Property("image")), deprecated: true),
            Plain("ka.req.container.image.repository", "Deprecated: the image repository of the first container", ComputedFields.FirstContainer(PodFields.ImageRepository), deprecated: true),
            Plain("ka.req.container.privileged", "Deprecated: true when any container is privileged, else false", ComputedFields.AnyContainerPrivileged, deprecated: true),
            At("ka.req.container.host_network", "Deprecated: the pod's hostNetwork flag", deprecated: true, "requestObject", "spec", "hostNetwork"),
            Keyed("ka.req.volume.hostpath", "Deprecated: true when a hostPath volume is the path (or starts with it when it ends in *), else false", ComputedFields.VolumeHostPath, deprecated: true),

            Listed("ka.req.role.rules", "The rules of a role, each as JSON", RequestObject, "rules", Items.Self),
            Indexed("ka.req.role.rules.apiGroups", "The apiGroups of every rule of a role (or of rule [i])", RequestObject, "rules", false, Items.Elements("apiGroups")),
            Indexed("ka.req.role.rules.nonResourceURLs", "The nonResourceURLs of every rule of a role (or of rule [i])", RequestObject, "rules", false, Items.Elements("nonResourceURLs")),
            Indexed("ka.req.role.rules.verbs", "The verbs of every rule of a role (or of rule [i])", RequestObject, "rules", false, Items.Elements("verbs")),
            Indexed("ka.req.role.rules.resources", "The resources of every rule of a role (or of rule [i])", RequestObject, "rules", false, Items.Elements("resources")),

            At("ka.req.service.type", "The service type", "requestObject", "spec", "type"),
            Indexed("ka.req.service.ports", "The service ports, each as JSON", Spec, "ports", true, Items.Self),

            Pointed("jevt.value", "The value at a JSON pointer in the event (a string as is, anything else as JSON)"),
            Pointed("json.value", "The value at a JSON pointer in the event (a string as is, anything else as JSON)"),
            Plain("jevt.obj", "The whole event as JSON", static e => FieldValue.Of(JsonText.Compact(e.Element))),
            Plain("json.obj", "The whole event as JSON", static e => FieldValue.Of(JsonText.Compact(e.Element))),
            Plain("jevt.rawtime", "The event time in nanoseconds since the Unix epoch", ComputedFields.RawTime),
            Plain("json.rawtime", "The event time in nanoseconds since the Unix epoch", ComputedFields.RawTime),
            Plain("jevt.time", "The event time of day, HH:MM:SS.nnnnnnnnn (UTC)", static e => FieldValue.Of(e.Time.ToTimeOfDayString())),
            Plain("jevt.time.iso8601", "The event time, ISO 8601 with nanoseconds and offset, as Falco writes it (2024-05-01T10:00:00.123456789+0000)", ComputedFields.IsoTime),
        };

        foreach (var list in (string[])["containers", "initContainers", "ephemeralContainers"])
        {
            foreach (var (suffix, description, collect, onePerItem) in PodFields.ContainerFields)
                fields.Add(Indexed($"ka.req.pod.{list}.{suffix}", $"{list}: {description}", Spec, list, onePerItem, collect));
        }
        return [.. fields];
    }

    private static FieldDefinition Plain(string name, string description, Func<AuditEvent, FieldValue> extract,
        bool isList = false, bool deprecated = false) => new()
    {
        Info = new FieldInfo(name, description, isList, FieldArgument.None, deprecated),
        Argument = ArgumentKind.None,
        Build = _ => (isList, extract),
    };

    private static FieldDefinition At(string name, string description, params string[] path) =>
        At(name, description, false, path);

    private static FieldDefinition At(string name, string description, bool deprecated, params string[] path)
    {
        var p = new JsonPath(path);
        return Plain(name, description, e => Values.Single(e.Element, p), deprecated: deprecated);
    }

    private static FieldDefinition ListAt(string name, string description, params string[] path)
    {
        var p = new JsonPath(path);
        return Plain(name, description, e => Values.List(e.Element, p), isList: true);
    }

    private static FieldDefinition Listed(string name, string description, JsonPath parent, string array, ItemCollector collect)
    {
        var extract = Items.Over(parent, array, null, false, collect);
        return Plain(name, description, extract, isList: true);
    }

    private static FieldDefinition Indexed(string name, string description, JsonPath parent, string array, bool onePerItem,
        ItemCollector collect) => new()
    {
        Info = new FieldInfo(name, description, IsList: true, FieldArgument.Optional),
        Argument = ArgumentKind.Index,
        Build = arg => (Items.IsList(arg.Index, onePerItem), Items.Over(parent, array, arg.Index, onePerItem, collect)),
    };

    private static FieldDefinition Keyed(string name, string description, Func<string, Func<AuditEvent, FieldValue>> make,
        bool deprecated = false) => new()
    {
        Info = new FieldInfo(name, description, IsList: false, FieldArgument.Required, deprecated),
        Argument = ArgumentKind.Key,
        Build = arg => (false, make(arg.Key!)),
    };

    private static FieldDefinition Pointed(string name, string description) => new()
    {
        Info = new FieldInfo(name, description, IsList: false, FieldArgument.Required),
        Argument = ArgumentKind.Pointer,
        Build = arg =>
        {
            var pointer = arg.Pointer!;
            return (false, e => pointer.TryGet(e.Element, out var v) ? FieldValue.Of(JsonText.Of(v)) : FieldValue.Missing);
        },
    };
}
