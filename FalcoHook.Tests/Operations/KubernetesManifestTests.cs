using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Api.Hosting;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Operations;

/// <summary>
/// The checks every variant of the Kubernetes manifests passes, on the objects its kustomization renders to: k8s/
/// (<see cref="KubernetesManifestTests"/>) and the several-replica overlay k8s/ha/ (<see cref="HaOverlayManifestTests"/>).
/// </summary>
public abstract class KubernetesManifestChecks
{
    protected abstract RenderedManifests Rendered { get; }

    /// <summary>The ports the network policy lets the pods reach.</summary>
    protected virtual IReadOnlyList<string> EgressPorts => ["443", "53"];

    protected static readonly string Root = SharedCorpus.RepositoryRoot;
    protected static string Dockerfile => File.ReadAllText(Path.Combine(Root, "Dockerfile"));

    [Fact]
    public void Every_rendered_object_is_complete_namespaced_labelled_and_free_of_patch_directives()
    {
        var resources = Rendered.Resources();
        Assert.NotEmpty(resources);
        foreach (var resource in resources)
        {
            var id = $"{Rendered}: {resource.GetValueOrDefault("kind")}/{Manifests.Str(resource, "metadata", "name")}";
            Assert.False(string.IsNullOrEmpty(Manifests.Str(resource, "apiVersion")), id + " has no apiVersion");
            Assert.Matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", Manifests.Str(resource, "metadata", "name")!);
            if ((string?)resource["kind"] != "Namespace") Assert.True(Manifests.Str(resource, "metadata", "namespace") == "falcohook", id + " is not in falcohook");
            Assert.True(Manifests.Map(resource, "metadata", "labels").GetValueOrDefault("app.kubernetes.io/part-of") as string == "falcohook", id + " lacks part-of");
            Assert.True(Directives(resource).ToList() is [], $"{id} keeps {string.Join(", ", Directives(resource))}");
        }
        Assert.Equal(resources.Count, resources.Select(r => (r["kind"], Manifests.Str(r, "metadata", "name"))).Distinct().Count());
    }

    [Fact]
    public void Pod_references_resolve_to_rendered_volumes_configmaps_and_secrets()
    {
        var pod = Rendered.PodSpec();
        var volumes = Manifests.Maps(pod, "volumes").ToDictionary(v => Manifests.Str(v, "name")!);
        foreach (var mount in Manifests.Maps(Rendered.Container(), "volumeMounts"))
            Assert.True(volumes.ContainsKey(Manifests.Str(mount, "name")!), $"{Rendered}: mount {Manifests.Str(mount, "mountPath")} names no volume");
        foreach (var volume in volumes.Values)
        {
            if (volume.ContainsKey("configMap")) Rendered.Resource("ConfigMap", Manifests.Str(volume, "configMap", "name"));
            if (volume.ContainsKey("persistentVolumeClaim")) Rendered.Resource("PersistentVolumeClaim", Manifests.Str(volume, "persistentVolumeClaim", "claimName"));
            if (volume.ContainsKey("secret") && Manifests.Map(volume, "secret").GetValueOrDefault("optional") as string != "true")
                Rendered.Resource("Secret", Manifests.Str(volume, "secret", "secretName"));
        }
        var references = Manifests.Maps(Rendered.Container(), "env")
            .Where(e => e.GetValueOrDefault("valueFrom") is Dictionary<string, object?> from && from.ContainsKey("secretKeyRef"))
            .Select(e => Manifests.Map(e, "valueFrom", "secretKeyRef")).ToList();
        Assert.NotEmpty(references);
        foreach (var reference in references)
        {
            var secret = Rendered.Resource("Secret", Manifests.Str(reference, "name"));
            Assert.Contains(Manifests.Str(reference, "key")!, Manifests.Map(secret, "stringData").Keys);
        }
        var deployment = Manifests.Map(Rendered.Deployment(), "spec");
        var podLabels = Manifests.Map(deployment, "template", "metadata", "labels");
        Assert.All(Manifests.Map(deployment, "selector", "matchLabels"), l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
    }

    private static IEnumerable<string> Directives(object? node) => node switch
    {
        Dictionary<string, object?> map => map.Keys.Where(k => k.StartsWith('$')).Concat(map.Values.SelectMany(Directives)),
        List<object?> list => list.SelectMany(Directives),
        _ => [],
    };

    [Fact]
    public void Container_ports_match_the_service_the_dockerfile_and_the_code()
    {
        var ports = Manifests.Maps(Rendered.Container(), "ports").ToDictionary(p => Manifests.Str(p, "name")!, p => int.Parse(Manifests.Str(p, "containerPort")!));
        Assert.Equal(new Uri(FalcoHookHostingExtensions.DefaultUrl.Replace("0.0.0.0", "localhost")).Port, ports["http"]);
        Assert.Equal(new TlsOptions().HttpsPort, ports["https"]);

        var exposed = Regex.Matches(Dockerfile, @"^EXPOSE\s+(.+)$", RegexOptions.Multiline)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p.Split('/')[0])).ToList();
        Assert.Contains(ports["http"], exposed);
        Assert.All(exposed, p => Assert.Contains(p, ports.Values));

        var service = Rendered.Resource("Service");
        Assert.Equal("ClusterIP", Manifests.Str(service, "spec", "type"));
        var servicePorts = Manifests.Maps(service, "spec", "ports").ToList();
        Assert.Equal(2, servicePorts.Count);
        foreach (var port in servicePorts)
        {
            var target = Manifests.Str(port, "targetPort")!;
            var containerPort = int.TryParse(target, out var number) ? number : ports[target];
            Assert.Contains(containerPort, ports.Values);
            Assert.Equal(containerPort, int.Parse(Manifests.Str(port, "port")!));
        }
        var selector = Manifests.Map(service, "spec", "selector");
        var podLabels = Manifests.Map(Rendered.Deployment(), "spec", "template", "metadata", "labels");
        Assert.All(selector, s => Assert.Equal(s.Value, podLabels[s.Key]));
    }

    [Fact]
    public async Task Probes_ask_healthz_and_readyz_which_answer_200()
    {
        var container = Rendered.Container();
        Assert.Equal("/healthz", Manifests.Str(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Manifests.Str(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("http", Manifests.Str(container, "livenessProbe", "httpGet", "port"));
        Assert.Equal("http", Manifests.Str(container, "readinessProbe", "httpGet", "port"));

        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            var path = Manifests.Str(container, probe, "httpGet", "path");
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{probe} GET {path} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public void Every_FalcoHook_variable_overrides_a_key_whose_section_the_configmap_has()
    {
        using var settings = ConfigMapAppSettings();
        var names = Manifests.Maps(Rendered.Container(), "env").Select(e => Manifests.Str(e, "name")!).ToList();
        Assert.Contains("FalcoHook__Destinations__slack-sec__Url", names);
        Assert.Contains("FalcoHook__Destinations__pd-oncall__RoutingKey", names);
        Assert.Contains("FalcoHook__Ingest__AuditTokens__0", names);
        Assert.Contains("FalcoHook__Auth__ApiKeys__0__Key", names);
        foreach (var name in names.Where(n => n.StartsWith("FalcoHook__", StringComparison.Ordinal)))
        {
            var path = name.Split("__");
            var parent = Walk(settings.RootElement, path[..^1]);
            Assert.True(parent is not null, $"{name}: appsettings.json in configmap.yaml has no {string.Join(':', path[..^1])}");
            if (parent.Value.ValueKind == JsonValueKind.Array) Assert.Matches("^[0-9]+$", path[^1]);
            else Assert.Equal(JsonValueKind.Object, parent.Value.ValueKind);
        }
        // The destinations the secrets complete are typed in the ConfigMap.
        Assert.Equal("slack", Walk(settings.RootElement, ["FalcoHook", "Destinations", "slack-sec", "Type"])?.GetString());
        Assert.Equal("pagerduty", Walk(settings.RootElement, ["FalcoHook", "Destinations", "pd-oncall", "Type"])?.GetString());
        // So does the API key: named and given its role here, its Key from the Secret.
        Assert.Equal("write", Walk(settings.RootElement, ["FalcoHook", "Auth", "ApiKeys", "0", "Role"])?.GetString());
    }

    [Fact]
    public void The_cluster_serves_alert_data_to_key_holders_only()
    {
        using var settings = ConfigMapAppSettings();
        Assert.Equal(JsonValueKind.False, Walk(settings.RootElement, ["FalcoHook", "Auth", "AllowAnonymousReads"])?.ValueKind);
        Assert.Equal(JsonValueKind.False, Walk(settings.RootElement, ["FalcoHook", "Auth", "AllowAnonymousWrites"])?.ValueKind);
    }

    [Fact]
    public void The_configmap_appsettings_is_json_with_every_key_of_the_repository_file_and_json_console_logs()
    {
        using var settings = ConfigMapAppSettings();
        Assert.Equal(JsonValueKind.Object, settings.RootElement.GetProperty("FalcoHook").ValueKind);
        using var repository = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "appsettings.json")));
        foreach (var path in LeafPaths(repository.RootElement, []))
            Assert.True(Walk(settings.RootElement, path) is not null, $"configmap.yaml's appsettings.json lacks {string.Join(':', path)}");
        Assert.Equal("json", Walk(settings.RootElement, ["Logging", "Console", "FormatterName"])?.GetString());

        // The rules path it configures is a folder of the rules ConfigMap's mount that the mount puts files in.
        var rulesPath = Walk(settings.RootElement, ["FalcoHook", "Rules", "Paths", "0"])!.Value.GetString()!;
        var mounts = Manifests.Maps(Rendered.Container(), "volumeMounts").ToList();
        var mountPath = Manifests.Str(Assert.Single(mounts, m => Manifests.Str(m, "name") == "rules"), "mountPath")!;
        Assert.StartsWith(mountPath + "/", "/app/" + rulesPath, StringComparison.Ordinal);
        var deployment = File.ReadAllText(Path.Combine(Root, "k8s", "deployment.yaml"));
        Assert.Contains("path: " + ("/app/" + rulesPath)[(mountPath.Length + 1)..] + "/", deployment, StringComparison.Ordinal);
        var config = Assert.Single(mounts, m => Manifests.Str(m, "name") == "config");
        Assert.Equal("/app/appsettings.json", Manifests.Str(config, "mountPath"));
        Assert.Equal("appsettings.json", Manifests.Str(config, "subPath"));
    }

    [Fact]
    public void The_container_runs_as_the_image_user_without_privileges_on_a_read_only_root()
    {
        var pod = Manifests.Map(Rendered.PodSpec(), "securityContext");
        Assert.Equal("true", Manifests.Str(pod, "runAsNonRoot"));
        Assert.Equal("1654", Manifests.Str(pod, "fsGroup"));
        Assert.Equal("RuntimeDefault", Manifests.Str(pod, "seccompProfile", "type"));
        // The image's user is "app" (uid 1654), by name or by $APP_UID.
        Assert.Matches(new Regex(@"^USER\s+(app|\$APP_UID|\$\{APP_UID\}|1654)\s*$", RegexOptions.Multiline), Dockerfile);

        var container = Manifests.Map(Rendered.Container(), "securityContext");
        Assert.Equal("true", Manifests.Str(container, "runAsNonRoot"));
        Assert.Equal("1654", Manifests.Str(container, "runAsUser"));
        Assert.Equal("1654", Manifests.Str(container, "runAsGroup"));
        Assert.Equal("true", Manifests.Str(container, "readOnlyRootFilesystem"));
        Assert.Equal("false", Manifests.Str(container, "allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Manifests.List(container, "capabilities", "drop"));
        Assert.Equal("RuntimeDefault", Manifests.Str(container, "seccompProfile", "type"));

        // A read-only root needs a writable /tmp.
        var tmp = Assert.Single(Manifests.Maps(Rendered.Container(), "volumeMounts"), m => Manifests.Str(m, "mountPath") == "/tmp");
        var volume = Assert.Single(Manifests.Maps(Rendered.PodSpec(), "volumes"), v => Manifests.Str(v, "name") == Manifests.Str(tmp, "name"));
        Assert.True(volume.ContainsKey("emptyDir"));

        var resources = Manifests.Map(Rendered.Container(), "resources");
        Assert.All(new[] { "requests", "limits" }, k => Assert.True(Manifests.Map(resources, k).ContainsKey("memory")));
    }

    [Fact]
    public void The_rules_configmap_and_falco_values_hold_the_repository_rules_unchanged()
    {
        const string hint = " (run k8s/sync-rules.sh)";
        var data = Manifests.Map(Rendered.Resource("ConfigMap", "falcohook-rules"), "data");
        var items = Manifests.Maps(Assert.Single(Manifests.Maps(Rendered.PodSpec(), "volumes"), v => Manifests.Str(v, "name") == "rules"), "configMap", "items")
            .ToDictionary(i => Manifests.Str(i, "key")!, i => Manifests.Str(i, "path")!);
        var files = Directory.EnumerateFiles(Path.Combine(Root, "rules"), "*.yaml", SearchOption.AllDirectories).ToList();
        Assert.Equal(files.Select(Path.GetFileName).Order(StringComparer.Ordinal), data.Keys.Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var key = Path.GetFileName(file);
            Assert.True(File.ReadAllText(file) == (string?)data[key], $"configmap-rules.yaml's {key} differs from rules/{Path.GetRelativePath(Path.Combine(Root, "rules"), file)}{hint}");
            Assert.Equal(Path.GetRelativePath(Path.Combine(Root, "rules"), file).Replace('\\', '/'), items[key]);
        }

        var values = Manifests.Single("falco-values.yaml");
        var custom = Manifests.Map(values, "customRules");
        var falcoRules = Directory.EnumerateFiles(Path.Combine(Root, "rules", "falco"), "*.yaml").ToList();
        Assert.NotEmpty(falcoRules);
        Assert.Equal(falcoRules.Select(Path.GetFileName).Order(StringComparer.Ordinal), custom.Keys.Order(StringComparer.Ordinal));
        foreach (var file in falcoRules)
            Assert.True(File.ReadAllText(file) == (string?)custom[Path.GetFileName(file)],
                $"falco-values.yaml's customRules {Path.GetFileName(file)} differs from rules/falco{hint}");
    }

    [Fact]
    public void Falco_sends_json_alerts_to_the_falcohook_service()
    {
        var falco = Manifests.Map(Manifests.Single("falco-values.yaml"), "falco");
        Assert.Equal("true", Manifests.Str(falco, "json_output"));
        Assert.Equal("true", Manifests.Str(falco, "http_output", "enabled"));
        var url = new Uri(Manifests.Str(falco, "http_output", "url")!);

        var service = Rendered.Resource("Service");
        var ns = Manifests.Str(service, "metadata", "namespace");
        Assert.Equal($"{Manifests.Str(service, "metadata", "name")}.{ns}.svc.cluster.local", url.Host);
        var http = Assert.Single(Manifests.Maps(service, "spec", "ports"), p => Manifests.Str(p, "name") == "http");
        Assert.Equal(int.Parse(Manifests.Str(http, "port")!), url.Port);
        Assert.Equal("http", url.Scheme);
        Assert.Equal("/", url.AbsolutePath);
    }

    [Fact]
    public void The_network_policy_admits_ingest_ports_and_lets_out_dns_and_https_only()
    {
        var policy = Rendered.Resource("NetworkPolicy");
        Assert.Equal(["Ingress", "Egress"], Manifests.List(policy, "spec", "policyTypes"));
        var ingressPorts = Manifests.Maps(policy, "spec", "ingress").SelectMany(r => Manifests.Maps(r, "ports")).Select(p => Manifests.Str(p, "port")).ToHashSet();
        Assert.Equal(["2801", "2802"], ingressPorts.Order(StringComparer.Ordinal));
        var fromFalco = Manifests.Maps(policy, "spec", "ingress").SelectMany(r => Manifests.Maps(r, "from"))
            .Any(f => f.ContainsKey("namespaceSelector") && Manifests.Str(f, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "falco");
        Assert.True(fromFalco, "Falco's namespace may reach the ingest port");
        var egressPorts = Manifests.Maps(policy, "spec", "egress").SelectMany(r => Manifests.Maps(r, "ports")).Select(p => Manifests.Str(p, "port")).ToHashSet();
        Assert.Equal(EgressPorts.Order(StringComparer.Ordinal), egressPorts.Order(StringComparer.Ordinal));
        // What is open to any address is the HTTPS listener alone, which serves the audit webhook and health only.
        var fromAnywhere = Manifests.Maps(policy, "spec", "ingress")
            .Where(r => Manifests.Maps(r, "from").Any(f => f.ContainsKey("ipBlock") && Manifests.Str(f, "ipBlock", "cidr") is "0.0.0.0/0" or "::/0"));
        Assert.Equal(["2802"], fromAnywhere.SelectMany(r => Manifests.Maps(r, "ports")).Select(p => Manifests.Str(p, "port")).Distinct());
        Assert.Equal(2802, new Api.Hosting.TlsOptions().HttpsPort);
        Assert.Equal(["/k8s-audit", "/healthz", "/readyz"], Api.Hosting.TlsOptions.DefaultHttpsPaths);
    }

    protected JsonDocument ConfigMapAppSettings()
    {
        var data = Manifests.Map(Rendered.Resource("ConfigMap", "falcohook-config"), "data");
        return JsonDocument.Parse(Assert.IsType<string>(data["appsettings.json"]),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    }

    /// <summary>Follows configuration path segments the way the configuration binder does: keys case-insensitive, array indexes as numbers.</summary>
    protected static JsonElement? Walk(JsonElement element, IEnumerable<string> path)
    {
        foreach (var segment in path)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                var match = element.EnumerateObject().Where(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase)).ToList();
                if (match.Count == 0) return null;
                element = match[0].Value;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index < element.GetArrayLength())
                element = element[index];
            else return null;
        }
        return element;
    }

    private static IEnumerable<string[]> LeafPaths(JsonElement element, string[] prefix)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield return prefix;
            yield break;
        }
        foreach (var property in element.EnumerateObject())
            foreach (var path in LeafPaths(property.Value, [.. prefix, property.Name]))
                yield return path;
    }
}

/// <summary>k8s/: one replica on SQLite.</summary>
public sealed class KubernetesManifestTests : KubernetesManifestChecks
{
    protected override RenderedManifests Rendered => Manifests.Base;

    [Fact]
    public void The_kustomization_lists_existing_files_with_every_kind_and_leaves_the_apiserver_files_out()
    {
        var resources = Manifests.KustomizationResources();
        Assert.All(resources, r => Assert.True(File.Exists(Manifests.PathOf(r)), $"k8s/{r} listed in kustomization.yaml does not exist"));
        Assert.DoesNotContain(resources, r => r.StartsWith("audit-", StringComparison.Ordinal));
        Assert.DoesNotContain("falco-values.yaml", resources);

        var kinds = Rendered.Resources().Select(r => (string?)r["kind"]).ToHashSet();
        Assert.Superset(kinds, new HashSet<string?> { "Namespace", "Deployment", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim", "NetworkPolicy" });

        var kustomization = Manifests.Single("kustomization.yaml");
        Assert.Equal("falcohook", Manifests.Str(kustomization, "namespace"));
        Assert.Equal("falcohook", Manifests.Str(Rendered.Resource("Namespace"), "metadata", "name"));
    }

    [Fact]
    public void The_deployment_image_is_the_one_kustomization_sets()
    {
        var image = Manifests.Str(Rendered.Container(), "image")!;
        var name = image.Split(':')[0];
        var entry = Assert.Single(Manifests.Maps(Manifests.Single("kustomization.yaml"), "images"));
        Assert.Equal(name, Manifests.Str(entry, "name"));
        Assert.False(string.IsNullOrEmpty(Manifests.Str(entry, "newTag")));
        Assert.Equal($"{name}:{Manifests.Str(entry, "newTag")}", image);
    }

    [Fact]
    public void One_replica_recreated_never_rolled_because_sqlite_has_one_writer()
    {
        var spec = Manifests.Map(Rendered.Deployment(), "spec");
        Assert.Equal("1", Manifests.Str(spec, "replicas"));
        Assert.Equal("Recreate", Manifests.Str(spec, "strategy", "type"));
        Assert.Equal(["ReadWriteOnce"], Manifests.List(Rendered.Resource("PersistentVolumeClaim"), "spec", "accessModes"));
    }

    [Fact]
    public void Every_secret_reference_names_a_key_of_the_secret_template()
    {
        var secret = Rendered.Resource("Secret");
        var keys = Manifests.Map(secret, "stringData").Keys.ToHashSet();
        var references = Manifests.Maps(Rendered.Container(), "env")
            .Where(e => e.TryGetValue("valueFrom", out var from) && from is Dictionary<string, object?> f && f.ContainsKey("secretKeyRef"))
            .Select(e => Manifests.Map(e, "valueFrom", "secretKeyRef")).ToList();
        Assert.Equal(4, references.Count);
        foreach (var reference in references)
        {
            Assert.Equal(Manifests.Str(secret, "metadata", "name"), Manifests.Str(reference, "name"));
            Assert.Contains(Manifests.Str(reference, "key")!, keys);
        }
        Assert.Equal(["api-key", "audit-token", "pagerduty-routing-key", "slack-webhook-url"], keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_data_volume_is_the_pvc_at_the_dockerfile_volume_where_sqlite_writes()
    {
        var volume = Regex.Match(Dockerfile, @"^VOLUME\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("/app/data", volume);
        var fromDockerfile = Regex.Match(Dockerfile, "FalcoHook__Storage__ConnectionString=\"Data Source=([^\"]+)\"").Groups[1].Value;
        Assert.Equal(volume, Path.GetDirectoryName(fromDockerfile));

        using var settings = ConfigMapAppSettings();
        var connection = Walk(settings.RootElement, ["FalcoHook", "Storage", "ConnectionString"])!.Value.GetString()!;
        Assert.Equal(volume, Path.GetDirectoryName(Regex.Match(connection, "Data Source=([^;]+)").Groups[1].Value));

        var data = Assert.Single(Manifests.Maps(Rendered.Container(), "volumeMounts"), m => Manifests.Str(m, "name") == "data");
        Assert.Equal(volume, Manifests.Str(data, "mountPath"));
        var podVolume = Assert.Single(Manifests.Maps(Rendered.PodSpec(), "volumes"), v => Manifests.Str(v, "name") == "data");
        Assert.Equal(Manifests.Str(Rendered.Resource("PersistentVolumeClaim"), "metadata", "name"),
            Manifests.Str(podVolume, "persistentVolumeClaim", "claimName"));
    }
}
