using FalcoHook.Api.Pipeline;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Pipeline;

public sealed class PipelineOptionsTests
{
    private static async Task<OptionsValidationException> StartFails(Dictionary<string, string?> settings, bool registerCompiler = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IOutbox>(new RecordingOutbox());
        if (registerCompiler) builder.Services.AddSingleton<IAlertConditionCompiler, FalcoAlertConditionCompiler>();
        builder.Services.AddSilences().AddPipeline(builder.Configuration);
        await using var app = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
    }

    [Fact]
    public async Task Drop_rule_with_a_syntax_error_stops_start_up_naming_the_key_and_position()
    {
        var error = await StartFails(new()
        {
            ["FalcoHook:Pipeline:Drop:0"] = "falco.rule = ok",
            ["FalcoHook:Pipeline:Drop:1"] = "falco.rule ) x",
        });

        Assert.Equal(["FalcoHook:Pipeline:Drop:1: 1:12: unknown operator ')' after 'falco.rule'"], error.Failures);
    }

    [Fact]
    public async Task Destination_condition_with_a_syntax_error_stops_start_up_naming_the_key_and_position()
    {
        var error = await StartFails(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Condition"] = "falco.source = k8s_audit and = x",
        });

        Assert.Equal(["FalcoHook:Destinations:siem:Condition: 1:30: unexpected '=': expected a field, a macro or '('"], error.Failures);
    }

    [Fact]
    public async Task Without_a_registered_compiler_a_configured_condition_stops_start_up_plainly()
    {
        var error = await StartFails(new() { ["FalcoHook:Pipeline:Drop:0"] = "falco.rule = x" }, registerCompiler: false);

        Assert.Equal(["FalcoHook:Pipeline:Drop:0: 1:1: Falco conditions cannot be compiled: no IAlertConditionCompiler is registered."], error.Failures);
    }

    [Fact]
    public async Task Bad_values_are_reported_by_their_exact_keys()
    {
        var error = await StartFails(new()
        {
            ["FalcoHook:Pipeline:Drop:0"] = " ",
            ["FalcoHook:Pipeline:Filter:ExcludeRules:0"] = "ok",
            ["FalcoHook:Pipeline:Filter:ExcludeRules:1"] = "(unclosed",
            ["FalcoHook:Pipeline:Dedup:Window"] = "00:00:00",
            ["FalcoHook:Pipeline:Aggregate:Threshold"] = "0",
            ["FalcoHook:Pipeline:Aggregate:GroupBy:0"] = "",
        });

        Assert.Collection(error.Failures,
            f => Assert.Equal("FalcoHook:Pipeline:Drop:0: the condition is empty.", f),
            f => Assert.StartsWith("FalcoHook:Pipeline:Filter:ExcludeRules:1: not a valid regular expression (NonBacktracking): ", f),
            f => Assert.Equal("FalcoHook:Pipeline:Dedup:Window: must be a positive duration such as 00:01:00 (got 00:00:00).", f),
            f => Assert.Equal("FalcoHook:Pipeline:Aggregate:Threshold: must be at least 1 (got 0).", f),
            f => Assert.Equal("FalcoHook:Pipeline:Aggregate:GroupBy:0: must not be empty.", f));
    }

    [Fact]
    public void Configuration_binds_with_defaults_where_keys_are_absent()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Pipeline:Filter:MinimumPriority"] = "warning",
            ["FalcoHook:Pipeline:Aggregate:GroupBy:0"] = "falco.rule",
            ["FalcoHook:Pipeline:Dedup:Window"] = "00:05:00",
            ["FalcoHook:Destinations:pd:Type"] = "pagerduty",
            ["FalcoHook:Destinations:pd:MinimumPriority"] = "critical",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IOutbox>(new RecordingOutbox()).AddSilences().AddPipeline(configuration);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PipelineOptions>>().Value;
        Assert.Equal(Core.Alerts.Priority.Warning, options.Filter.MinimumPriority);
        Assert.Equal(["falco.rule"], options.Aggregate.EffectiveGroupBy);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Dedup.Window);
        Assert.Equal(20, options.Aggregate.Threshold);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Aggregate.Window);
        Assert.Null(options.Dedup.Fields);
        Assert.Equal(Core.Alerts.Priority.Critical, provider.GetRequiredService<IOptions<DestinationRoutingOptions>>().Value.Destinations["pd"].MinimumPriority);
        Assert.Equal(["enrich", "filter", "silence", "dedup", "aggregate"], provider.GetRequiredService<AlertPipeline>().Stages.Select(s => s.Name));
    }

    [Fact]
    public void Stages_switched_off_in_configuration_are_left_out()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Pipeline:Dedup:Enabled"] = "false",
            ["FalcoHook:Pipeline:Enrich:Enabled"] = "false",
        }).Build();
        using var provider = new ServiceCollection().AddSingleton<IOutbox>(new RecordingOutbox()).AddSilences().AddPipeline(configuration).BuildServiceProvider();

        Assert.Equal(["filter", "silence", "aggregate"], provider.GetRequiredService<AlertPipeline>().Stages.Select(s => s.Name));
    }
}
