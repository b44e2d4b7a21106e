using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Rules;
using static FalcoHook.Tests.Rules.RulesTestHelpers;

namespace FalcoHook.Tests.Rules;

public class OutputFormatterTests
{
    private static readonly TestFieldProvider Provider = new();

    private static string Render(string format, params (string, object?)[] fields)
    {
        var formatter = OutputFormatter.Parse(format, Provider, out var errors);
        Assert.Empty(errors);
        return formatter.Render(Event(fields));
    }

    [Theory]
    [InlineData("user=%ka.user.name verb=%ka.verb", "user=alice verb=get")]
    [InlineData("target=%ka.target.name/%ka.target.resource", "target=web/pods")]
    [InlineData("user %ka.user.name.", "user alice.")]
    [InlineData("(user=%ka.user.name)", "(user=alice)")]
    [InlineData("missing=%proc.name", "missing=<NA>")]
    [InlineData("images=%ka.req.pod.containers.image", "images=(nginx,redis)")]
    [InlineData("cmd=%ka.uri.param[command]", "cmd=ls -la")]
    [InlineData("upper=%toupper(ka.user.name)", "upper=ALICE")]
    [InlineData("[%10ka.verb]", "[get       ]")]
    [InlineData("[%2ka.user.name]", "[al]")]
    [InlineData("no fields at all", "no fields at all")]
    public void Formats_render_like_falco(string format, string expected)
    {
        Assert.Equal(expected, Render(format,
            ("ka.user.name", "alice"), ("ka.verb", "get"), ("ka.target.name", "web"), ("ka.target.resource", "pods"),
            ("ka.req.pod.containers.image", new[] { "nginx", "redis" }), ("ka.uri.param[command]", "ls -la")));
    }

    [Theory]
    [InlineData("ends with %", "ends with '%'")]
    [InlineData("100% sure", "must be followed by a field")]
    [InlineData("%nodots here", "not a field")]
    [InlineData("%proc.bogus", "unknown field 'proc.bogus'")]
    public void Bad_formats_are_errors(string format, string message)
    {
        OutputFormatter.Parse(format, Provider, out var errors);
        Assert.Contains(message, Assert.Single(errors).Message);
    }

    [Fact]
    public void Without_a_provider_only_the_syntax_is_checked()
    {
        var formatter = OutputFormatter.Parse("%proc.anything[3] %evt.time", null, out var errors);
        Assert.Empty(errors);
        Assert.Equal(["proc.anything[3]", "evt.time"], formatter.FieldKeys);
    }

    [Fact]
    public void A_rule_output_is_trimmed_like_falco()
    {
        var set = LoadOk("- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: >\n    verb=%ka.verb\n    user=%ka.user.name\n\n  priority: INFO\n  source: test\n", Provider);
        Assert.Equal("verb=%ka.verb user=%ka.user.name", set.Find("r")!.Output.Format);
    }

    [Fact]
    public void A_match_becomes_a_falco_alert()
    {
        var set = LoadOk("""
            - rule: Pod exec
              desc: exec into a pod
              condition: ka.verb = create
              output: exec by %ka.user.name into %ka.target.name (images=%ka.req.pod.containers.image cmd=%ka.uri.param[command])
              priority: notice
              source: test
              tags: [k8s, exec]
            """, Provider);
        var evt = Event(("ka.verb", "create"), ("ka.user.name", "alice"), ("ka.req.pod.containers.image", new[] { "nginx", "redis" }));
        var rule = Assert.Single(set.Evaluate("test", evt));
        var alert = rule.CreateAlert(evt, "node-1");

        Assert.Equal("Pod exec", alert.Rule);
        Assert.Equal(Priority.Notice, alert.Priority);
        Assert.Equal(new FalcoTime(1_700_000_000_123_456_789), alert.Time);
        Assert.Equal("22:13:20.123456789: Notice exec by alice into <NA> (images=(nginx,redis) cmd=<NA>)", alert.Output);
        Assert.Equal(("test", "node-1"), (alert.Source, alert.Hostname));
        Assert.Equal(["k8s", "exec"], alert.Tags);

        var fields = alert.OutputFields!;
        Assert.Equal(["evt.time", "ka.user.name", "ka.target.name", "ka.req.pod.containers.image", "ka.uri.param[command]"], fields.Keys);
        Assert.Equal(JsonValueKind.Number, fields["evt.time"].ValueKind);
        Assert.Equal("1700000000123456789", fields["evt.time"].GetRawText());
        Assert.Equal("alice", fields["ka.user.name"].GetString());
        Assert.Equal(JsonValueKind.Null, fields["ka.target.name"].ValueKind);
        Assert.Equal(["nginx", "redis"], fields["ka.req.pod.containers.image"].EnumerateArray().Select(e => e.GetString()));

        using var json = JsonDocument.Parse(alert.ToJson());
        Assert.Equal("2023-11-14T22:13:20.123456789Z", json.RootElement.GetProperty("time").GetString());
        Assert.Equal("Notice", json.RootElement.GetProperty("priority").GetString());
        Assert.Equal(1700000000123456789, json.RootElement.GetProperty("output_fields").GetProperty("evt.time").GetInt64());
    }
}
