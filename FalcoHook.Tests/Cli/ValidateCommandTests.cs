using FalcoHook.Cli;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Cli;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("falcohook-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = ValidateCommand.Run(args, output, error);
        return (code, output.ToString() + error);
    }

    public static TheoryData<string> UpstreamOrders()
    {
        var data = new TheoryData<string> { "rules/k8s_audit_rules.yaml", "rules/falco_rules.yaml" };
        foreach (string order in Rules.ConformanceLoadingTests.CaseOrders()) data.Add(order);
        return data;
    }

    [Theory]
    [MemberData(nameof(UpstreamOrders))]
    public void Upstream_rules_validate_with_exit_code_0(string files)
    {
        var (code, output) = Run(files.Split('|').Select(f => SharedCorpus.Conformance(f.Split('/'))).ToArray());
        Assert.True(code == 0, output);
        Assert.StartsWith("OK: ", output.Split('\n').Last(l => l.Length > 0));
        Assert.DoesNotContain(": error:", output);
    }

    [Fact]
    public void Errors_print_file_line_column_and_exit_1()
    {
        var path = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(path, "- rule: r\n  desc: d\n  condition: proc.name = a and nope\n  output: o\n  priority: WARNING\n");
        var (code, output) = Run(path);
        Assert.Equal(1, code);
        Assert.Contains($"{path}:3:32: error: undefined macro 'nope' (rule 'r')", output);
    }

    [Fact]
    public void A_directory_loads_its_yaml_files_in_sorted_order()
    {
        File.WriteAllText(Path.Combine(_dir, "b.yml"), "- list: l\n  items: [y]\n  override:\n    items: append\n");
        File.WriteAllText(Path.Combine(_dir, "a.yaml"), "- list: l\n  items: [x]\n");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not rules");
        var (code, output) = Run(_dir);
        Assert.True(code == 0, output);
        Assert.Contains("OK: 2 file(s)", output);
    }

    [Fact]
    public void A_missing_path_is_an_error()
    {
        var (code, output) = Run(Path.Combine(_dir, "nope.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("no such file or directory", output);
    }

    [Fact]
    public void Replay_reports_that_a_source_has_no_provider_yet()
    {
        var rules = Path.Combine(_dir, "r.yaml");
        File.WriteAllText(rules, "- list: l\n  items: [x]\n");
        var error = new StringWriter();
        var code = ReplayCommand.Run(["--rules", rules, "--events", rules, "--source", "nosuch"], new StringWriter(), error);
        Assert.Equal(1, code);
        Assert.Contains("no field provider for source 'nosuch'", error.ToString());
    }

    [Fact]
    public void Replay_prints_one_json_alert_per_match()
    {
        var rules = Path.Combine(_dir, "r.yaml");
        File.WriteAllText(rules, """
            - rule: Anonymous seen
              desc: d
              condition: ka.user.name = system:anonymous
              output: anonymous %ka.verb of %ka.uri
              priority: notice
              source: falco_alert
            """);
        var events = SharedCorpus.Conformance("alerts", "legacy_falco-0.31_k8s_audit_anonymous_alerts.jsonl");
        var output = new StringWriter();
        var code = ReplayCommand.Run(["--rules", rules, "--events", events, "--source", "falco_alert", "--matching", "all"], output, new StringWriter());
        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal("Anonymous seen", first.RootElement.GetProperty("rule").GetString());
        Assert.Contains(": Notice anonymous get of /", first.RootElement.GetProperty("output").GetString());
    }
}
