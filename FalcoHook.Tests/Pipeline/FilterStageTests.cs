using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Pipeline;

public sealed class FilterStageTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private FilterStage Stage(FilterOptions options, params string[] drop) => new(options, drop, _kit.Compiler, _kit.Telemetry);

    [Theory]
    [InlineData(Priority.Notice, "priority")]
    [InlineData(Priority.Warning, null)]
    [InlineData(Priority.Critical, null)]
    public void Alerts_below_the_minimum_priority_are_dropped(Priority priority, string? reason) =>
        Assert.Equal(reason, Stage(new FilterOptions { MinimumPriority = Priority.Warning }).DropReason(PipelineTestKit.Alert(priority: priority)));

    [Fact]
    public void Required_tags_must_all_be_present_and_any_excluded_tag_drops()
    {
        var stage = Stage(new FilterOptions { RequiredTags = ["container", "SHELL"], ExcludedTags = ["testing", "noise"] });

        Assert.Null(stage.DropReason(PipelineTestKit.Alert(tags: ["container", "shell", "mitre_execution"])));
        Assert.Equal("required_tags", stage.DropReason(PipelineTestKit.Alert(tags: ["container"])));
        Assert.Equal("excluded_tags", stage.DropReason(PipelineTestKit.Alert(tags: ["container", "shell", "noise"])));
    }

    [Fact]
    public void Rule_and_output_regexes_include_and_exclude()
    {
        var stage = Stage(new FilterOptions
        {
            IncludeRules = ["(?i)shell", "^Read "], ExcludeRules = ["test$"],
            ExcludeOutputs = [@"user=ci-runner\b"],
        });

        Assert.Null(stage.DropReason(PipelineTestKit.Alert(rule: "Terminal shell in container")));
        Assert.Null(stage.DropReason(PipelineTestKit.Alert(rule: "Read sensitive file")));
        Assert.Equal("rule", stage.DropReason(PipelineTestKit.Alert(rule: "Write below etc")));
        Assert.Equal("rule", stage.DropReason(PipelineTestKit.Alert(rule: "Shell test")));
        Assert.Equal("output", stage.DropReason(PipelineTestKit.Alert(output: "shell (user=ci-runner pid=1)")));
        Assert.Null(stage.DropReason(PipelineTestKit.Alert(output: "shell (user=ci-runner2 pid=1)")));
    }

    [Fact]
    public void Only_allowed_sources_pass_and_a_missing_source_counts_as_syscall()
    {
        var stage = Stage(new FilterOptions { Sources = ["syscall"] });

        Assert.Null(stage.DropReason(PipelineTestKit.Alert(source: "syscall")));
        Assert.Null(stage.DropReason(PipelineTestKit.Alert(source: null)));
        Assert.Equal("source", stage.DropReason(PipelineTestKit.Alert(source: "k8s_audit")));
    }

    [Fact]
    public async Task Drop_rules_in_Falco_syntax_drop_what_they_match_and_drops_are_counted_by_reason()
    {
        var stage = Stage(new FilterOptions { MinimumPriority = Priority.Notice },
            "falco.rule = \"Terminal shell in container\" and k8s.ns.name = kube-system");
        var kubeSystem = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["k8s.ns.name"] = "kube-system" });
        var shop = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["k8s.ns.name"] = "shop" });
        var debug = PipelineTestKit.Alert(priority: Priority.Debug);

        var output = await stage.ProcessAsync([PipelineTestKit.Wrap(kubeSystem), PipelineTestKit.Wrap(shop), PipelineTestKit.Wrap(debug)], CancellationToken.None);

        Assert.Same(shop, Assert.Single(output).Alert);
        Assert.Equal(2, _kit.Metrics.Total("falcohook.pipeline.dropped"));
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.dropped", "drop_rule"));
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.dropped", "priority"));
    }

    [Fact]
    public void Regexes_run_without_backtracking()
    {
        var stage = Stage(new FilterOptions { ExcludeOutputs = ["^(a+)+$"] });

        Assert.Null(stage.DropReason(PipelineTestKit.Alert(output: new string('a', 50_000) + "!")));
        Assert.Throws<NotSupportedException>(() => FilterStage.CompileRegex(@"(a)\1"));
    }
}
