using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Alerts;

public sealed class AlertLabelsTests
{
    [Fact]
    public void An_alert_gets_the_labels_Falcosidekicks_Alertmanager_output_sets()
    {
        var alert = new FalcoAlert
        {
            Rule = "Terminal shell in container",
            Priority = Priority.Warning,
            Time = Time("2026-12-01T10:00:00.123456789Z"),
            Output = "A shell was spawned",
            Source = "syscall",
            Hostname = "node-1",
            Tags = ["mitre_execution", "container", "T1059"],
            OutputFields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
                """{"k8s.ns.name":"prod","proc.aname[2]":"bash","evt.time":1733047200123456789,"user.loginuid":-1,"proc.tty":null,"fd.is_server":true,"n_evts":3}""")!,
        };

        var labels = AlertLabels.From(alert);

        Assert.Equal(new Dictionary<string, string>
        {
            ["alertname"] = "Terminal shell in container",
            ["rule"] = "Terminal shell in container",
            ["priority"] = "Warning",
            ["severity"] = "warning",
            ["source"] = "falco",
            ["eventsource"] = "syscall",
            ["hostname"] = "node-1",
            ["tags"] = "T1059,container,mitre_execution",
            ["k8s_ns_name"] = "prod",
            ["proc_aname_2"] = "bash",
            ["evt_time"] = "1733047200123456789",
            ["user_loginuid"] = "-1",
        }, labels);
    }

    private static FalcoTime Time(string text) => FalcoTime.TryParse(text, out var time) ? time : throw new FormatException(text);

    [Theory]
    [InlineData("k8s.ns.name", "k8s_ns_name")]
    [InlineData("proc.aname[2]", "proc_aname_2")]
    [InlineData("..x..y..", "x_y")]
    [InlineData("9lives", "_9lives")]
    [InlineData("...", "")]
    public void Field_names_become_label_safe(string field, string label) => Assert.Equal(label, AlertLabels.SafeName(field));

    [Theory]
    [InlineData(Priority.Emergency, "critical")]
    [InlineData(Priority.Critical, "critical")]
    [InlineData(Priority.Error, "warning")]
    [InlineData(Priority.Warning, "warning")]
    [InlineData(Priority.Notice, "information")]
    [InlineData(Priority.Debug, "information")]
    public void Priorities_map_onto_severities(Priority priority, string severity) => Assert.Equal(severity, AlertLabels.Severity(priority));
}
