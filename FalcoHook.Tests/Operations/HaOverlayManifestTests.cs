using System.Data.Common;

namespace FalcoHook.Tests.Operations;

/// <summary>
/// k8s/ha/: three replicas on PostgreSQL. It passes every check k8s/ passes (<see cref="KubernetesManifestChecks"/>,
/// on the rendered overlay) and these of its own.
/// </summary>
public sealed class HaOverlayManifestTests : KubernetesManifestChecks
{
    protected override RenderedManifests Rendered => Manifests.HighAvailability;

    protected override IReadOnlyList<string> EgressPorts => ["443", "53", "5432"];

    private static string Overlay => Path.Combine(Manifests.Directory, "ha");

    [Fact]
    public void The_overlay_builds_on_k8s_and_lists_files_that_exist()
    {
        var kustomization = Manifests.Single(Path.Combine(Overlay, "kustomization.yaml"));
        var resources = Manifests.List(kustomization, "resources").Cast<string>().ToList();
        Assert.Contains("../", resources);
        foreach (var file in resources.Where(r => r != "../").Concat(Manifests.Maps(kustomization, "patches").Select(p => Manifests.Str(p, "path")!)))
            Assert.True(File.Exists(Path.Combine(Overlay, file)), $"k8s/ha/{file} listed in kustomization.yaml does not exist");
        Assert.Equal("falcohook", Manifests.Str(kustomization, "namespace"));

        var kinds = Rendered.Resources().Select(r => (string?)r["kind"]).ToHashSet();
        Assert.Superset(kinds, new HashSet<string?> { "Namespace", "Deployment", "Service", "ConfigMap", "Secret", "NetworkPolicy", "PodDisruptionBudget", "Cluster" });
        // Everything of k8s/ but the SQLite volume.
        var names = Rendered.Resources().Select(r => ((string?)r["kind"], Manifests.Str(r, "metadata", "name"))).ToHashSet();
        var fromBase = Manifests.Base.Resources().Select(r => ((string?)r["kind"], Manifests.Str(r, "metadata", "name"))).ToList();
        Assert.Equal([("PersistentVolumeClaim", "falcohook-data")], fromBase.Where(r => !names.Contains(r)));
    }

    [Fact]
    public void Three_replicas_rolled_one_at_a_time_with_none_unavailable()
    {
        var spec = Manifests.Map(Rendered.Deployment(), "spec");
        Assert.Equal("3", Manifests.Str(spec, "replicas"));
        Assert.Equal("RollingUpdate", Manifests.Str(spec, "strategy", "type"));
        Assert.Equal("0", Manifests.Str(spec, "strategy", "rollingUpdate", "maxUnavailable"));
        Assert.True(int.Parse(Manifests.Str(spec, "strategy", "rollingUpdate", "maxSurge")!) >= 1, "a rollout with no surge and none unavailable never starts");
        // A stopping pod leaves the Service before it stops taking requests, inside its grace period.
        var sleep = int.Parse(Manifests.Str(Rendered.Container(), "lifecycle", "preStop", "sleep", "seconds")!);
        Assert.InRange(sleep, 1, int.Parse(Manifests.Str(Rendered.PodSpec(), "terminationGracePeriodSeconds")!) - 10);
    }

    [Fact]
    public void A_disruption_budget_and_a_spread_over_nodes_select_the_falcohook_pods()
    {
        var podLabels = Manifests.Map(Rendered.Deployment(), "spec", "template", "metadata", "labels");
        var budget = Rendered.Resource("PodDisruptionBudget");
        Assert.Equal("policy/v1", Manifests.Str(budget, "apiVersion"));
        Assert.All(Manifests.Map(budget, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key)));
        var replicas = int.Parse(Manifests.Str(Rendered.Deployment(), "spec", "replicas")!);
        var minAvailable = int.Parse(Manifests.Str(budget, "spec", "minAvailable")!);
        Assert.InRange(minAvailable, 1, replicas - 1); // a drain can proceed, one pod at a time

        var spread = Manifests.Maps(Rendered.PodSpec(), "topologySpreadConstraints").ToList();
        var nodes = Assert.Single(spread, c => Manifests.Str(c, "topologyKey") == "kubernetes.io/hostname");
        Assert.Equal("1", Manifests.Str(nodes, "maxSkew"));
        Assert.All(spread, c => Assert.All(Manifests.Map(c, "labelSelector", "matchLabels"), l => Assert.Equal(l.Value, podLabels.GetValueOrDefault(l.Key))));
    }

    [Fact]
    public void The_replicas_use_postgres_with_the_password_from_a_secret_and_no_volume()
    {
        var env = Manifests.Maps(Rendered.Container(), "env").ToList();
        Assert.Equal("postgres", Manifests.Str(Assert.Single(env, e => Manifests.Str(e, "name") == "FalcoHook__Storage__Provider"), "value"));
        var connection = Assert.Single(env, e => Manifests.Str(e, "name") == "FalcoHook__Storage__ConnectionString");
        var value = Manifests.Str(connection, "value")!;
        var builder = new DbConnectionStringBuilder { ConnectionString = value };
        var password = Assert.IsType<string>(builder["Password"]);
        // Kubernetes puts a variable defined earlier in the list into $(NAME); that variable comes from the Secret.
        var variable = Assert.Single(System.Text.RegularExpressions.Regex.Matches(password, @"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")).Groups[1].Value;
        var index = env.FindIndex(e => Manifests.Str(e, "name") == variable);
        Assert.InRange(index, 0, env.IndexOf(connection) - 1);
        var reference = Manifests.Map(env[index], "valueFrom", "secretKeyRef");
        var secret = Rendered.Resource("Secret", Manifests.Str(reference, "name"));
        Assert.Equal("password", Manifests.Str(reference, "key"));
        Assert.Equal((string)builder["Username"], Manifests.Str(secret, "stringData", "username"));

        Assert.DoesNotContain(Rendered.Resources(), r => (string?)r["kind"] == "PersistentVolumeClaim");
        Assert.DoesNotContain(Manifests.Maps(Rendered.PodSpec(), "volumes"), v => v.ContainsKey("persistentVolumeClaim"));
        Assert.DoesNotContain(Manifests.Maps(Rendered.Container(), "volumeMounts"), m => Manifests.Str(m, "mountPath") == "/app/data");
    }

    [Fact]
    public void The_example_cluster_is_the_database_host_and_user_of_the_connection_string()
    {
        var cluster = Rendered.Resource("Cluster");
        Assert.Equal("postgresql.cnpg.io/v1", Manifests.Str(cluster, "apiVersion"));
        Assert.True(int.Parse(Manifests.Str(cluster, "spec", "instances")!) >= 2, "one instance is a single point of failure again");
        var connection = Manifests.Str(Assert.Single(Manifests.Maps(Rendered.Container(), "env"),
            e => Manifests.Str(e, "name") == "FalcoHook__Storage__ConnectionString"), "value");
        var builder = new DbConnectionStringBuilder { ConnectionString = connection };
        // CloudNativePG's read-write Service is <cluster>-rw.
        Assert.Equal(Manifests.Str(cluster, "metadata", "name") + "-rw", builder["Host"]);
        Assert.Equal(Manifests.Str(cluster, "spec", "bootstrap", "initdb", "database"), builder["Database"]);
        Assert.Equal(Manifests.Str(cluster, "spec", "bootstrap", "initdb", "owner"), builder["Username"]);
        var secret = Rendered.Resource("Secret", Manifests.Str(cluster, "spec", "bootstrap", "initdb", "secret", "name"));
        Assert.Equal("kubernetes.io/basic-auth", Manifests.Str(secret, "type"));

        // The network policy lets the replicas reach those pods on PostgreSQL's port.
        var rule = Assert.Single(Manifests.Maps(Rendered.Resource("NetworkPolicy"), "spec", "egress"),
            r => Manifests.Maps(r, "ports").Any(p => Manifests.Str(p, "port") == "5432"));
        Assert.Equal(Manifests.Str(cluster, "metadata", "name"),
            Manifests.Str(Assert.Single(Manifests.Maps(rule, "to")), "podSelector", "matchLabels", "cnpg.io/cluster"));
    }
}
