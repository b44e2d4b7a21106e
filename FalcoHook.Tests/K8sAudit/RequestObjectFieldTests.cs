using static FalcoHook.Tests.K8sAudit.AuditFieldTestSupport;

namespace FalcoHook.Tests.K8sAudit;

public class RequestObjectFieldTests
{
    private static readonly Lazy<Core.K8sAudit.AuditEvent> Pod = new(() => Event("""
        "objectRef":{"resource":"pods","namespace":"prod"},
        "requestObject":{"kind":"Pod","spec":{
          "hostNetwork":true,"hostPID":false,"hostIPC":true,
          "securityContext":{"runAsUser":1000,"runAsGroup":3000,"fsGroup":2000,"supplementalGroups":[4000,4001]},
          "containers":[
            {"name":"app","image":"registry.local:5000/team/app:1.2@sha256:abcd","command":["sh","-c"],"args":["sleep 1"],
             "ports":[{"containerPort":8080},{"containerPort":9090,"hostPort":9999}],
             "securityContext":{"privileged":true,"allowPrivilegeEscalation":true,"readOnlyRootFilesystem":false,
               "runAsUser":0,"procMount":"Unmasked","capabilities":{"add":["NET_ADMIN","SYS_TIME"],"drop":["ALL"]}}},
            {"name":"side","image":"nginx","securityContext":{"runAsGroup":5}}
          ],
          "initContainers":[{"name":"init","image":"busybox:1.36","securityContext":{"privileged":false}}],
          "ephemeralContainers":[{"name":"debug","image":"docker.io/library/alpine@sha256:ff","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}],
          "volumes":[
            {"name":"root","hostPath":{"path":"/etc","type":"Directory"}},
            {"name":"cfg","configMap":{"name":"c"}},
            {"name":"flex","flexVolume":{"driver":"vendor/cifs"}},
            {"name":"sock","hostPath":{"path":"/var/run/docker.sock"}}
          ]}}
        """));

    [Theory]
    [InlineData("ka.req.pod.containers.name", new[] { "app", "side" })]
    [InlineData("ka.req.pod.containers.image", new[] { "registry.local:5000/team/app:1.2@sha256:abcd", "nginx" })]
    [InlineData("ka.req.pod.containers.image.repository", new[] { "registry.local:5000/team/app", "nginx" })]
    [InlineData("ka.req.pod.containers.command", new[] { "sh", "-c" })]
    [InlineData("ka.req.pod.containers.args", new[] { "sleep 1" })]
    [InlineData("ka.req.pod.containers.privileged", new[] { "true" })]
    [InlineData("ka.req.pod.containers.allow_privilege_escalation", new[] { "true" })]
    [InlineData("ka.req.pod.containers.read_only_fs", new[] { "false" })]
    [InlineData("ka.req.pod.containers.run_as_user", new[] { "0" })]
    [InlineData("ka.req.pod.containers.run_as_group", new[] { "5" })]
    [InlineData("ka.req.pod.containers.eff_run_as_user", new[] { "0", "1000" })]
    [InlineData("ka.req.pod.containers.eff_run_as_group", new[] { "3000", "5" })]
    [InlineData("ka.req.pod.containers.proc_mount", new[] { "Unmasked" })]
    [InlineData("ka.req.pod.containers.add_capabilities", new[] { "NET_ADMIN", "SYS_TIME" })]
    [InlineData("ka.req.pod.containers.host_port", new[] { "8080", "9999" })]
    [InlineData("ka.req.pod.initContainers.image", new[] { "busybox:1.36" })]
    [InlineData("ka.req.pod.initContainers.image.repository", new[] { "busybox" })]
    [InlineData("ka.req.pod.initContainers.privileged", new[] { "false" })]
    [InlineData("ka.req.pod.ephemeralContainers.name", new[] { "debug" })]
    [InlineData("ka.req.pod.ephemeralContainers.image.repository", new[] { "docker.io/library/alpine" })]
    [InlineData("ka.req.pod.ephemeralContainers.add_capabilities", new[] { "SYS_PTRACE" })]
    [InlineData("ka.req.pod.supplemental_groups", new[] { "4000", "4001" })]
    [InlineData("ka.req.pod.volumes.hostpath", new[] { "/etc", "/var/run/docker.sock" })]
    [InlineData("ka.req.pod.volumes.flexvolume_driver", new[] { "vendor/cifs" })]
    [InlineData("ka.req.pod.volumes.volume_type", new[] { "hostPath", "configMap", "flexVolume", "hostPath" })]
    public void Pod_list_fields_collect_over_containers_and_volumes(string field, string[] expected) =>
        Assert.Equal(expected, List(Pod.Value, field));

    [Theory]
    [InlineData("ka.req.pod.host_network", "true")]
    [InlineData("ka.req.pod.host_pid", "false")]
    [InlineData("ka.req.pod.host_ipc", "true")]
    [InlineData("ka.req.pod.run_as_user", "1000")]
    [InlineData("ka.req.pod.run_as_group", "3000")]
    [InlineData("ka.req.pod.fs_group", "2000")]
    [InlineData("ka.req.container.image", "registry.local:5000/team/app:1.2@sha256:abcd")]
    [InlineData("ka.req.container.image.repository", "registry.local:5000/team/app")]
    [InlineData("ka.req.container.privileged", "true")]
    [InlineData("ka.req.container.host_network", "true")]
    public void Pod_single_fields_read_the_spec(string field, string expected) =>
        Assert.Equal(expected, Single(Pod.Value, field));

    [Theory]
    [InlineData("ka.req.pod.containers.image", "1", "nginx")]
    [InlineData("ka.req.pod.containers.name", "0", "app")]
    [InlineData("ka.req.pod.containers.eff_run_as_user", "1", "1000")]
    [InlineData("ka.req.pod.initContainers.name", "0", "init")]
    [InlineData("ka.req.pod.volumes.hostpath", "3", "/var/run/docker.sock")]
    public void An_index_selects_one_item_as_a_single_value(string field, string index, string expected)
    {
        Assert.False(Resolve(field, index).IsList);
        Assert.Equal(expected, Single(Pod.Value, field, index));
    }

    [Theory]
    [InlineData("ka.req.pod.containers.image", "2")]
    [InlineData("ka.req.pod.initContainers.image", "1")]
    [InlineData("ka.req.pod.containers.privileged", "1")]
    [InlineData("ka.req.pod.volumes.hostpath", "1")]
    [InlineData("ka.req.pod.volumes.hostpath", "99")]
    public void An_index_out_of_range_or_an_item_without_the_value_is_missing(string field, string index) =>
        Assert.False(Get(Pod.Value, field, index).HasValue);

    [Fact]
    public void An_index_on_a_multi_valued_item_stays_a_list()
    {
        Assert.True(Resolve("ka.req.pod.containers.add_capabilities", "0").IsList);
        Assert.Equal(["NET_ADMIN", "SYS_TIME"], List(Pod.Value, "ka.req.pod.containers.add_capabilities", "0"));
        Assert.Equal(["8080", "9999"], List(Pod.Value, "ka.req.pod.containers.host_port", "0"));
        Assert.False(Get(Pod.Value, "ka.req.pod.containers.add_capabilities", "1").HasValue);
    }

    [Fact]
    public void Host_port_without_host_network_takes_only_declared_host_ports()
    {
        var evt = Event(""" "requestObject":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443}]}]}} """);
        Assert.Equal(["8443"], List(evt, "ka.req.pod.containers.host_port"));
    }

    [Fact]
    public void Effective_ids_default_to_zero_without_any_security_context()
    {
        var evt = Event(""" "requestObject":{"spec":{"containers":[{"name":"a"},{"name":"b"}]}} """);
        Assert.Equal(["0", "0"], List(evt, "ka.req.pod.containers.eff_run_as_user"));
        Assert.Equal(["0", "0"], List(evt, "ka.req.pod.containers.eff_run_as_group"));
        Assert.Equal("false", Single(evt, "ka.req.container.privileged"));
        Assert.False(Get(evt, "ka.req.pod.containers.privileged").HasValue);
    }

    [Theory]
    [InlineData("/etc", "true")]
    [InlineData("/et", "false")]
    [InlineData("/var/run/*", "true")]
    [InlineData("/var/lib/*", "false")]
    [InlineData("/var/run/docker.sock", "true")]
    public void Deprecated_volume_hostpath_matches_exactly_or_by_prefix_with_a_star(string path, string expected) =>
        Assert.Equal(expected, Single(Pod.Value, "ka.req.volume.hostpath", path));

    [Fact]
    public void Deprecated_volume_hostpath_is_missing_without_volumes()
    {
        var evt = Event(""" "requestObject":{"spec":{"containers":[]}} """);
        Assert.False(Get(evt, "ka.req.volume.hostpath", "/etc").HasValue);
        Assert.False(Get(evt, "ka.req.container.image").HasValue);
        Assert.Equal("false", Single(evt, "ka.req.container.privileged"));
    }

    [Theory]
    [InlineData("nginx", "nginx")]
    [InlineData("nginx:1.27", "nginx")]
    [InlineData("falcosecurity/falco:0.38.0", "falcosecurity/falco")]
    [InlineData("localhost:5000/app", "localhost:5000/app")]
    [InlineData("localhost:5000/app:v2", "localhost:5000/app")]
    [InlineData("quay.io/org/img@sha256:0123", "quay.io/org/img")]
    public void Image_repository_drops_tag_and_digest_but_keeps_a_registry_port(string image, string repository) =>
        Assert.Equal(repository, Core.Fields.K8sAudit.PodFields.RepositoryOf(image));

    private static readonly Lazy<Core.K8sAudit.AuditEvent> Binding = new(() => Event("""
        "objectRef":{"resource":"clusterrolebindings","name":"ops-admin"},
        "requestObject":{"kind":"ClusterRoleBinding","metadata":{"name":"ops-admin","namespace":"ops"},
          "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
          "subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"},
                      {"kind":"ServiceAccount","name":"ci","namespace":"build"},
                      {"kind":"ServiceAccount","name":"deployer"},
                      {"kind":"Group","name":"oncall","apiGroup":"rbac.authorization.k8s.io"}]}
        """));

    [Fact]
    public void Binding_fields_read_role_and_subjects()
    {
        var evt = Binding.Value;
        Assert.Equal("cluster-admin", Single(evt, "ka.req.binding.role"));
        Assert.Equal(
            ["{\"kind\":\"User\",\"name\":\"alice\",\"apiGroup\":\"rbac.authorization.k8s.io\"}",
             "{\"kind\":\"ServiceAccount\",\"name\":\"ci\",\"namespace\":\"build\"}",
             "{\"kind\":\"ServiceAccount\",\"name\":\"deployer\"}",
             "{\"kind\":\"Group\",\"name\":\"oncall\",\"apiGroup\":\"rbac.authorization.k8s.io\"}"],
            List(evt, "ka.req.binding.subjects"));
        Assert.Equal(["alice"], List(evt, "ka.req.binding.subjects.user_names"));
        Assert.Equal(["ci", "deployer"], List(evt, "ka.req.binding.subjects.serviceaccount_names"));
        Assert.Equal(["build:ci", "ops:deployer"], List(evt, "ka.req.binding.subjects.serviceaccount_ns_names"));
        Assert.Equal(["oncall"], List(evt, "ka.req.binding.subjects.group_names"));
        Assert.Equal("true", Single(evt, "ka.req.binding.subject.has_name", "alice"));
    }

    [Fact]
    public void Binding_without_subjects_of_a_kind_has_no_names()
    {
        var evt = Event(""" "requestObject":{"subjects":[{"kind":"User","name":"a"}]} """);
        Assert.False(Get(evt, "ka.req.binding.subjects.group_names").HasValue);
    }

    [Fact]
    public void Role_fields_read_rules_and_their_union()
    {
        var evt = Event("""
            "requestObject":{"kind":"ClusterRole","rules":[
              {"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]},
              {"apiGroups":["*"],"resources":["*"],"verbs":["*"]},
              {"nonResourceURLs":["/metrics"],"verbs":["get"]}]}
            """);
        Assert.Equal(
            ["{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/exec\"],\"verbs\":[\"get\",\"create\"]}",
             "{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}",
             "{\"nonResourceURLs\":[\"/metrics\"],\"verbs\":[\"get\"]}"],
            List(evt, "ka.req.role.rules"));
        Assert.Equal(["", "*"], List(evt, "ka.req.role.rules.apiGroups"));
        Assert.Equal(["pods", "pods/exec", "*"], List(evt, "ka.req.role.rules.resources"));
        Assert.Equal(["get", "create", "*", "get"], List(evt, "ka.req.role.rules.verbs"));
        Assert.Equal(["/metrics"], List(evt, "ka.req.role.rules.nonResourceURLs"));
        Assert.Equal(["*"], List(evt, "ka.req.role.rules.verbs", "1"));
        Assert.False(Get(evt, "ka.req.role.rules.verbs", "3").HasValue);
    }

    [Fact]
    public void Service_fields_read_type_and_ports()
    {
        var evt = Event(""" "requestObject":{"kind":"Service","spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":443}]}} """);
        Assert.Equal("NodePort", Single(evt, "ka.req.service.type"));
        Assert.Equal(["{\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"}", "{\"port\":443}"], List(evt, "ka.req.service.ports"));
        Assert.Equal("{\"port\":443}", Single(evt, "ka.req.service.ports", "1"));
    }

    [Fact]
    public void Configmap_fields_read_name_and_data()
    {
        var evt = Event(""" "objectRef":{"resource":"configmaps","name":"creds"},"requestObject":{"data":{"aws_access_key_id":"AKIA"}} """);
        Assert.Equal("creds", Single(evt, "ka.req.configmap.name"));
        Assert.Equal("{\"aws_access_key_id\":\"AKIA\"}", Single(evt, "ka.req.configmap.obj"));
    }
}
