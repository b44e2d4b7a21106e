using FalcoHook.Core.Fields;
using static FalcoHook.Tests.K8sAudit.AuditFieldTestSupport;

namespace FalcoHook.Tests.K8sAudit;

public class K8sAuditFieldProviderTests
{
    private static readonly Lazy<Core.K8sAudit.AuditEvent> Exec = new(() => Event("""
        "kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","stage":"ResponseComplete",
        "requestURI":"/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&container=app&stdin=true&x=a%2Fb+c",
        "verb":"create",
        "user":{"username":"alice@example.com","groups":["devs","system:authenticated"]},
        "impersonatedUser":{"username":"bob"},
        "sourceIPs":["10.0.0.7","192.168.1.2"],
        "userAgent":"kubectl/v1.30.0",
        "objectRef":{"resource":"pods","namespace":"prod","name":"web-1","subresource":"exec","apiVersion":"v1"},
        "responseStatus":{"metadata":{},"code":101,"reason":"Upgraded"},
        "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed",
          "authentication.openshift.io/decision":"allow","authentication.openshift.io/username":"ocp-alice",
          "validation.policy.admission.k8s.io/validation_failure":"[{\"message\":\"no\"}]",
          "pod-security.kubernetes.io/audit-violations":"would violate PodSecurity",
          "cluster_name":"prod-eu"}
        """));

    [Theory]
    [InlineData("ka.auditid", null, "e-1")]
    [InlineData("ka.stage", null, "ResponseComplete")]
    [InlineData("ka.verb", null, "create")]
    [InlineData("ka.uri", null, "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&container=app&stdin=true&x=a%2Fb+c")]
    [InlineData("ka.uri.param", "command", "sh")]
    [InlineData("ka.uri.param", "container", "app")]
    [InlineData("ka.uri.param", "x", "a/b c")]
    [InlineData("ka.useragent", null, "kubectl/v1.30.0")]
    [InlineData("ka.auth.decision", null, "allow")]
    [InlineData("ka.auth.reason", null, "RBAC: allowed")]
    [InlineData("ka.auth.openshift.decision", null, "allow")]
    [InlineData("ka.auth.openshift.username", null, "ocp-alice")]
    [InlineData("ka.validations.admission.policy.failure", null, "[{\"message\":\"no\"}]")]
    [InlineData("ka.security.pod.violations", null, "would violate PodSecurity")]
    [InlineData("ka.user.name", null, "alice@example.com")]
    [InlineData("ka.impuser.name", null, "bob")]
    [InlineData("ka.target.name", null, "web-1")]
    [InlineData("ka.target.namespace", null, "prod")]
    [InlineData("ka.target.resource", null, "pods")]
    [InlineData("ka.target.subresource", null, "exec")]
    [InlineData("ka.response.code", null, "101")]
    [InlineData("ka.response.reason", null, "Upgraded")]
    [InlineData("ka.cluster.name", null, "prod-eu")]
    [InlineData("ka.req.configmap.name", null, "web-1")]
    [InlineData("ka.sourceips", "1", "192.168.1.2")]
    [InlineData("jevt.value", "/objectRef/name", "web-1")]
    [InlineData("json.value", "/user/groups/1", "system:authenticated")]
    [InlineData("jevt.value", "/responseStatus/code", "101")]
    [InlineData("jevt.value", "/user/groups", "[\"devs\",\"system:authenticated\"]")]
    [InlineData("jevt.value", "/annotations/authorization.k8s.io~1decision", "allow")]
    [InlineData("jevt.rawtime", null, "1714557600123456789")]
    [InlineData("json.rawtime", null, "1714557600123456789")]
    [InlineData("jevt.time", null, "10:00:00.123456789")]
    [InlineData("jevt.time.iso8601", null, "2024-05-01T10:00:00.123456789+0000")]
    [InlineData("ka.req.binding.subject.has_name", "anyone", "true")]
    public void Request_fields_read_the_event(string field, string? argument, string expected) =>
        Assert.Equal(expected, Single(Exec.Value, field, argument));

    [Fact]
    public void Request_list_fields_read_every_value()
    {
        Assert.Equal(["devs", "system:authenticated"], List(Exec.Value, "ka.user.groups"));
        Assert.Equal(["10.0.0.7", "192.168.1.2"], List(Exec.Value, "ka.sourceips"));
    }

    [Fact]
    public void Sourceips_come_from_the_top_level_sourceIPs()
    {
        var evt = Event(""" "sourceIPs":["1.2.3.4"],"requestObject":{"rules":[{"sourceIPs":["9.9.9.9"]}]} """);
        Assert.Equal(["1.2.3.4"], List(evt, "ka.sourceips"));
    }

    [Fact]
    public void Absent_query_parameter_or_query_is_missing()
    {
        Assert.False(Get(Exec.Value, "ka.uri.param", "tty").HasValue);
        Assert.False(Get(Event(""" "requestURI":"/api/v1/pods" """), "ka.uri.param", "command").HasValue);
    }

    [Fact]
    public void Every_field_without_a_path_in_the_event_is_missing()
    {
        var bare = Event(""" "kind":"Event" """);
        string[] present = ["ka.auditid", "ka.req.binding.subject.has_name", "jevt.obj", "json.obj", "jevt.rawtime", "json.rawtime",
            "jevt.time", "jevt.time.iso8601"];
        foreach (var field in Provider.Fields)
        {
            var argument = field.Argument == FieldArgument.Required ? (field.Name.EndsWith(".value", StringComparison.Ordinal) ? "/nope" : "k") : null;
            var value = Get(bare, field.Name, argument);
            Assert.True(present.Contains(field.Name) == value.HasValue, $"{field.Name}: {value}");
        }
    }

    [Fact]
    public void Non_string_values_become_their_json_text()
    {
        var evt = Event(""" "verb":true,"stage":12.50,"userAgent":null,"objectRef":{"name":{"a":"b","n":[1,2]}} """);
        Assert.Equal("true", Single(evt, "ka.verb"));
        Assert.Equal("12.50", Single(evt, "ka.stage"));
        Assert.Equal("null", Single(evt, "ka.useragent"));
        Assert.Equal("{\"a\":\"b\",\"n\":[1,2]}", Single(evt, "ka.target.name"));
    }

    [Fact]
    public void Objects_are_compacted_when_the_sender_indented_them()
    {
        var evt = Event(""" "requestObject":{"data": { "password" : "s3 cret",  "n" : [ 1, 2 ] }} """);
        Assert.Equal("{\"password\":\"s3 cret\",\"n\":[1,2]}", Single(evt, "ka.req.configmap.obj"));
    }

    [Fact]
    public void A_list_field_on_a_non_array_is_missing()
    {
        var evt = Event(""" "user":{"username":"u","groups":"devs"} """);
        Assert.False(Get(evt, "ka.user.groups").HasValue);
    }

    [Fact]
    public void An_empty_list_is_missing()
    {
        var evt = Event(""" "user":{"username":"u","groups":[]} """);
        Assert.False(Get(evt, "ka.user.groups").HasValue);
    }

    [Fact]
    public void Whole_event_is_jevt_obj()
    {
        var evt = Event(""" "verb":"get" """);
        Assert.Equal("{" + Header + "\"verb\":\"get\"}", Single(evt, "jevt.obj"));
        Assert.Equal(Single(evt, "jevt.obj"), Single(evt, "json.obj"));
    }

    [Fact]
    public void Json_pointer_handles_escapes_arrays_and_absent_paths()
    {
        var evt = Event(""" "x":{"a/b":{"m~n":"v"},"arr":["p","q"],"":"empty"} """);
        Assert.Equal("v", Single(evt, "jevt.value", "/x/a~1b/m~0n"));
        Assert.Equal("q", Single(evt, "jevt.value", "/x/arr/1"));
        Assert.Equal("empty", Single(evt, "jevt.value", "/x/"));
        Assert.False(Get(evt, "jevt.value", "/x/arr/2").HasValue);
        Assert.False(Get(evt, "jevt.value", "/x/arr/01").HasValue);
        Assert.False(Get(evt, "jevt.value", "/x/arr/-").HasValue);
        Assert.False(Get(evt, "jevt.value", "/x/arr/0/deeper").HasValue);
        Assert.False(Get(evt, "jevt.value", "/nothing").HasValue);
    }

    [Fact]
    public void Target_pod_name_is_the_response_name_for_pods_without_subresource()
    {
        var created = Event(""" "objectRef":{"resource":"pods","namespace":"d"},"responseObject":{"metadata":{"name":"web-7f9"}} """);
        Assert.Equal("web-7f9", Single(created, "ka.target.pod.name"));
        Assert.Equal("web-7f9", Single(created, "ka.resp.name"));
        var exec = Event(""" "objectRef":{"resource":"pods","subresource":"exec"},"responseObject":{"metadata":{"name":"x"}} """);
        Assert.False(Get(exec, "ka.target.pod.name").HasValue);
        var service = Event(""" "objectRef":{"resource":"services"},"responseObject":{"metadata":{"name":"x"}} """);
        Assert.False(Get(service, "ka.target.pod.name").HasValue);
    }

    [Theory]
    [InlineData("ka.nope", null, "Unknown field 'ka.nope'")]
    [InlineData("ka.verb", "0", "takes no argument")]
    [InlineData("ka.user.groups", "0", "takes no argument")]
    [InlineData("ka.uri.param", null, "requires an argument")]
    [InlineData("ka.uri.param", "", "requires an argument")]
    [InlineData("ka.req.volume.hostpath", null, "requires an argument")]
    [InlineData("ka.req.binding.subject.has_name", null, "requires an argument")]
    [InlineData("ka.req.pod.containers.image", "first", "optional index")]
    [InlineData("ka.req.pod.containers.image", "-1", "optional index")]
    [InlineData("ka.sourceips", "1.5", "optional index")]
    [InlineData("jevt.value", null, "requires a JSON pointer")]
    [InlineData("jevt.value", "stage", "must start with '/'")]
    [InlineData("json.value", "/a~2b", "'~' must be followed by 0 or 1")]
    [InlineData("json.value", "/a~", "'~' must be followed by 0 or 1")]
    public void Bad_names_and_arguments_are_refused_at_compile_time(string field, string? argument, string message)
    {
        Assert.False(Provider.TryResolve(field, argument, out var extractor, out var error));
        Assert.Null(extractor);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Provider_is_the_k8s_audit_source_with_event_time_in_nanoseconds()
    {
        Assert.Equal("k8s_audit", Provider.Source);
        Assert.Equal(1714557600_123456789L, Provider.GetEventTime(Exec.Value));
        Assert.Throws<ArgumentException>(() => Provider.GetEventTime("not an event"));
    }

    [Fact]
    public void Every_field_of_the_reference_is_provided()
    {
        string[] expected =
        [
            "ka.auditid", "ka.stage", "ka.verb", "ka.uri", "ka.uri.param", "ka.useragent", "ka.auth.decision", "ka.auth.reason",
            "ka.auth.openshift.decision", "ka.auth.openshift.username", "ka.validations.admission.policy.failure",
            "ka.security.pod.violations", "ka.user.name", "ka.user.groups", "ka.impuser.name", "ka.target.name",
            "ka.target.namespace", "ka.target.resource", "ka.target.subresource", "ka.target.pod.name", "ka.resp.name",
            "ka.response.code", "ka.response.reason", "ka.sourceips", "ka.cluster.name", "ka.req.binding.subjects",
            "ka.req.binding.role", "ka.req.binding.subjects.user_names", "ka.req.binding.subjects.serviceaccount_names",
            "ka.req.binding.subjects.group_names", "ka.req.binding.subjects.serviceaccount_ns_names",
            "ka.req.binding.subject.has_name", "ka.req.configmap.name", "ka.req.configmap.obj", "ka.req.pod.host_ipc",
            "ka.req.pod.host_network", "ka.req.pod.host_pid", "ka.req.pod.run_as_user", "ka.req.pod.run_as_group",
            "ka.req.pod.fs_group", "ka.req.pod.supplemental_groups", "ka.req.pod.volumes.hostpath",
            "ka.req.pod.volumes.flexvolume_driver", "ka.req.pod.volumes.volume_type", "ka.req.role.rules",
            "ka.req.role.rules.apiGroups", "ka.req.role.rules.nonResourceURLs", "ka.req.role.rules.verbs",
            "ka.req.role.rules.resources", "ka.req.service.type", "ka.req.service.ports", "ka.req.container.image",
            "ka.req.container.image.repository", "ka.req.container.privileged", "ka.req.container.host_network",
            "ka.req.volume.hostpath", "jevt.value", "json.value", "jevt.obj", "json.obj", "jevt.rawtime", "json.rawtime",
            "jevt.time", "jevt.time.iso8601",
        ];
        string[] perContainer =
        [
            "name", "image", "image.repository", "command", "args", "privileged", "allow_privilege_escalation", "read_only_fs",
            "run_as_user", "run_as_group", "eff_run_as_user", "eff_run_as_group", "proc_mount", "add_capabilities", "host_port",
        ];
        var names = Provider.Fields.Select(f => f.Name).ToHashSet();
        foreach (var name in expected) Assert.Contains(name, names);
        foreach (var list in new[] { "containers", "initContainers", "ephemeralContainers" })
            foreach (var suffix in perContainer) Assert.Contains($"ka.req.pod.{list}.{suffix}", names);
        Assert.Equal(expected.Length + 3 * perContainer.Length, names.Count);
        Assert.All(Provider.Fields.Where(f => f.Name.StartsWith("ka.req.container.", StringComparison.Ordinal)), f => Assert.True(f.Deprecated));
    }
}
