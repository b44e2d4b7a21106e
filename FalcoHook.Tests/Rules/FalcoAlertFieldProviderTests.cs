using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Rules;

public class FalcoAlertFieldProviderTests
{
    private static readonly FalcoAlertFieldProvider Provider = new();

    private static FalcoAlert Alert(string json)
    {
        var result = AlertReader.ReadJson(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        return Assert.Single(result.Alerts);
    }

    private static readonly FalcoAlert Sample = Alert("""
        {"output":"16:31:56.746609046: Error File below a known binary directory opened for writing (user=root command=touch /bin/hack)",
         "priority":"Error","rule":"Write below binary dir","time":"2019-05-17T15:31:56.746609046Z","source":"syscall",
         "hostname":"node-1","tags":["filesystem","mitre_persistence"],
         "output_fields":{"evt.time":1558107116746609046,"fd.name":"/bin/hack","proc.cmdline":"touch /bin/hack",
           "proc.aname[2]":"bash","user.name":"root","k8s.ns.name":null,"proc.pid":4242,"evt.is_open_write":true,
           "container.mounts":["/a","/b"]}}
        """);

    private static bool Matches(string condition, FalcoAlert? alert = null)
    {
        var result = ConditionCompiler.Compile(condition, Provider);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Condition!.Matches(alert ?? Sample);
    }

    [Theory]
    [InlineData("falco.rule = \"Write below binary dir\"")]
    [InlineData("falco.priority = Error")]
    [InlineData("falco.source = syscall")]
    [InlineData("falco.hostname = node-1")]
    [InlineData("falco.tags intersects (mitre_persistence)")]
    [InlineData("falco.tags in (filesystem, mitre_persistence, other)")]
    [InlineData("falco.output contains /bin/hack")]
    [InlineData("falco.time startswith 2019-05-17T15:31:56.746609046")]
    [InlineData("fd.name startswith /bin/")]
    [InlineData("proc.aname[2] = bash")]
    [InlineData("proc.pid = 4242 and proc.pid > 4000")]
    [InlineData("evt.is_open_write = true")]
    [InlineData("container.mounts intersects (/b)")]
    [InlineData("evt.time > 1558107116000000000")]
    [InlineData("not k8s.ns.name exists")] // JSON null is no value
    [InlineData("not some.unknown.key exists")]
    public void Alert_fields_and_output_fields_are_available(string condition) => Assert.True(Matches(condition));

    [Fact]
    public void Null_output_field_makes_every_comparison_false() =>
        Assert.False(Matches("k8s.ns.name != kube-system"));

    [Theory]
    [InlineData("falco.rulez = x", "unknown field 'falco.rulez'")]
    [InlineData("falco.rule[1] = x", "takes no argument")]
    public void Unknown_falco_fields_are_errors(string condition, string message) =>
        Assert.Contains(message, Assert.Single(ConditionCompiler.Compile(condition, Provider).Errors).Message);

    [Fact]
    public void Event_time_is_the_alert_time() =>
        Assert.Equal(1558107116746609046, Provider.GetEventTime(Sample));

    [Fact]
    public void Real_alerts_from_the_corpus_can_be_filtered()
    {
        var lines = File.ReadAllLines(SharedCorpus.Conformance("alerts", "legacy_falco-0.31_k8s_audit_anonymous_alerts.jsonl"));
        var alerts = lines.Where(l => l.Trim().Length > 0).Select(Alert).ToList();
        var condition = ConditionCompiler.Compile(
            "falco.source = k8s_audit and ka.user.name = system:anonymous and ka.uri in (/readyz, /livez)", Provider).Condition!;
        Assert.NotEmpty(alerts);
        Assert.Contains(alerts, condition.Matches);
        Assert.All(alerts.Where(condition.Matches), a => Assert.Equal("Anonymous Request Allowed", a.Rule));
    }
}
