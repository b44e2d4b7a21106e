using FalcoHook.Api.Delivery;
using FalcoHook.Api.Ingest;
using FalcoHook.Api.Operations;
using FalcoHook.Api.Pipeline;
using FalcoHook.Api.Rules;
using FalcoHook.Api.Storage;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.Operations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Hosting;

/// <summary>Each feature registers only its own services: the order of the Add calls changes nothing.</summary>
public sealed class RegistrationOrderTests
{
    private static readonly (string Name, Action<IServiceCollection, IConfiguration> Add)[] Features =
    [
        ("storage", (s, c) => s.AddStorage(c)),
        ("ingest", (s, _) => s.AddIngest()),
        ("inbox", (s, c) => s.AddInbox(c)),
        ("rules", (s, _) => s.AddRules()),
        ("silences", (s, _) => s.AddSilences()),
        ("pipeline", (s, c) => s.AddPipeline(c)),
        ("delivery", (s, c) => s.AddDelivery(c)),
        ("operations", (s, _) => s.AddOperations()),
    ];

    public static TheoryData<bool> Orders => [false, true];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Forward_or_reversed_the_stores_are_durable_and_the_chain_logs_then_handles_then_tells_observers(bool reversed)
    {
        using var dir = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Storage:ConnectionString"] = $"Data Source={dir.File("falcohook.db")}",
            ["FalcoHook:SecurityEvents:Output"] = "log",
        }).Build();
        var logs = new LogCapture();
        var observer = new RecordingBatchObserver();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.AddProvider(logs))
            .AddSingleton<IAlertBatchObserver>(observer);
        foreach (var (_, add) in reversed ? Features.Reverse() : Features) add(services, configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<SqliteSilenceStore>(provider.GetRequiredService<ISilenceStore>());
        Assert.IsType<SqlitePipelineStateStore>(provider.GetRequiredService<IPipelineStateStore>());
        Assert.IsType<SqliteRulesStore>(provider.GetRequiredService<IManagedRulesStore>());
        Assert.IsType<FalcoAlertConditionCompiler>(provider.GetRequiredService<IAlertConditionCompiler>());

        var alert = new FalcoAlert { Rule = "Order test", Priority = Priority.Error, Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Output = "o" };
        await provider.GetRequiredService<IAlertBatchHandler>().HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);

        await Eventually.TrueAsync(() => logs.InCategory(SecurityEventLog.Category).Count > 0, "the alert's security record");
        var record = Assert.Single(logs.InCategory(SecurityEventLog.Category));
        Assert.Equal("Order test", record.Properties["Rule"]);
        Assert.Equal("Order test", Assert.Single(observer.Snapshot()).Rule);
    }
}
