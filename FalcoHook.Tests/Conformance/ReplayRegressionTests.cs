using FalcoHook.Cli;
using FalcoHook.Core.Alerts;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Conformance;

/// <summary><c>falcohook replay</c> on the regression traces detects what the engine test detects.</summary>
public sealed class ReplayRegressionTests
{
    [Theory]
    [MemberData(nameof(K8sAuditRegressionTests.CaseNames), MemberType = typeof(K8sAuditRegressionTests))]
    public void Replay_of_each_regression_trace_prints_the_alerts_falco_detects(string name)
    {
        var regression = K8sAuditRegressionCase.All().Single(c => c.Name == name);
        var args = regression.Rules.SelectMany(r => new[] { "--rules", SharedCorpus.Conformance(r.Split('/')) })
            .Concat(["--events", SharedCorpus.Conformance(regression.Trace.Split('/')), "--matching", "first"]).ToArray();
        var output = new StringWriter();
        var error = new StringWriter();

        var code = ReplayCommand.Run(args, output, error);

        Assert.True(code == 0, error.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var parsed = AlertReader.ReadNdjson(System.Text.Encoding.UTF8.GetBytes(output.ToString()));
        Assert.True(lines.Length == 0 || parsed.Ok, string.Join("; ", parsed.Errors));
        var alerts = lines.Length == 0 ? [] : parsed.Alerts;
        Assert.All(alerts, a => Assert.Equal("k8s_audit", a.Source));
        regression.AssertDetected(alerts);
    }
}
