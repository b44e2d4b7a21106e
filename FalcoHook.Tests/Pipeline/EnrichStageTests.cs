using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Pipeline;

public sealed class EnrichStageTests
{
    [Theory]
    [InlineData(Priority.Emergency, "Critical")]
    [InlineData(Priority.Alert, "Critical")]
    [InlineData(Priority.Critical, "Critical")]
    [InlineData(Priority.Error, "High")]
    [InlineData(Priority.Warning, "Medium")]
    [InlineData(Priority.Notice, "Low")]
    [InlineData(Priority.Informational, "Low")]
    [InlineData(Priority.Debug, "Low")]
    public void Severity_follows_the_priority(Priority priority, string severity) =>
        Assert.Equal(severity, AlertClassifier.Severity(priority));

    [Theory]
    [InlineData("Terminal shell in container", "container,mitre_execution,shell", "execution")]
    [InlineData("Whatever", "mitre_privilege_escalation,mitre_execution", "privilege escalation")]
    [InlineData("Read sensitive file untrusted", "filesystem,mitre_credential_access", "credential access")]
    [InlineData("Unexpected outbound connection destination", "", "network")]
    [InlineData("Contact K8S API Server From Container", "network,k8s,container,mitre_discovery", "discovery")]
    [InlineData("open_from_cat", "filesystem,process,testing", "filesystem")]
    [InlineData("Write below etc", "", "filesystem")]
    [InlineData("Anonymous Request Allowed", "k8s", "other")]
    public void Category_comes_from_tags_first_then_the_rule_name(string rule, string tags, string category) =>
        Assert.Equal(category, AlertClassifier.Category(PipelineTestKit.Alert(rule: rule, tags: tags.Split(',', StringSplitOptions.RemoveEmptyEntries))));

    [Fact]
    public void Techniques_are_found_in_tags_in_any_case()
    {
        Assert.Equal(["T1059", "T1552.007", "T1611"],
            AlertClassifier.Techniques(["container", "T1059", "t1552.007", "mitre_T1611", "T1059", "T12345", "xT1000", "T1059.1"]));
    }

    [Fact]
    public void Indicators_come_from_syscall_output_fields()
    {
        var alert = PipelineTestKit.Alert(fields: new Dictionary<string, object?>
        {
            ["proc.name"] = "sh", ["proc.cmdline"] = "sh -c id", ["user.name"] = "root", ["container.id"] = "ee97d9c4186f",
            ["container.image.repository"] = "docker.io/library/alpine", ["container.image.tag"] = "3.20",
            ["k8s.ns.name"] = "default", ["k8s.pod.name"] = "kubecon", ["proc.pname"] = "<NA>",
        });

        Assert.Equal(new Dictionary<string, string>
        {
            ["process"] = "sh -c id", ["user"] = "root", ["container"] = "ee97d9c4186f",
            ["image"] = "docker.io/library/alpine:3.20", ["namespace"] = "default", ["pod"] = "kubecon",
        }, AlertClassifier.Indicators(alert));
    }

    [Fact]
    public void Indicators_come_from_audit_output_fields()
    {
        var alert = PipelineTestKit.Alert(source: "k8s_audit", fields: new Dictionary<string, object?>
        {
            ["ka.user.name"] = "system:anonymous", ["ka.target.resource"] = "pods", ["ka.target.name"] = "web-1",
            ["ka.target.namespace"] = "shop",
        });

        Assert.Equal(new Dictionary<string, string>
        {
            ["namespace"] = "shop", ["pod"] = "web-1", ["k8s_user"] = "system:anonymous", ["target"] = "pods/web-1",
        }, AlertClassifier.Indicators(alert));
    }

    [Fact]
    public async Task Enrichment_adds_configured_tags_and_fields_and_advice_for_the_category()
    {
        var stage = new EnrichStage(new EnrichOptions
        {
            Tags = ["prod", "shell"],
            CustomFields = new() { ["cluster"] = "prod-eu" },
        });

        var output = await stage.ProcessAsync([PipelineTestKit.Wrap(PipelineTestKit.Alert(priority: Priority.Critical, tags: ["shell", "mitre_execution", "T1059"]))], CancellationToken.None);

        var notification = Assert.Single(output);
        Assert.Equal(["shell", "mitre_execution", "T1059", "prod"], notification.Alert.Tags);
        var enrichment = notification.Enrichment!;
        Assert.Equal("Critical", enrichment.Severity);
        Assert.Equal("execution", enrichment.Category);
        Assert.Equal(["T1059"], enrichment.Techniques);
        Assert.Equal("prod-eu", enrichment.CustomFields["cluster"]);
        Assert.Equal(AlertClassifier.Recommendations("execution"), enrichment.Recommendations);
        Assert.NotEqual(AlertClassifier.Recommendations("network"), enrichment.Recommendations);
    }
}
