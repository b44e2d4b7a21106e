using FalcoHook.Api.Delivery;
using FalcoHook.Api.Destinations;
using FalcoHook.Api.Ingest;
using FalcoHook.Api.Storage;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A generic host with exactly what <c>AddStorage</c>, <c>AddInbox</c>, <c>AddDelivery</c> and <c>AddDestinations</c>
/// register, on a SQLite file in a temp folder, fast retry settings, and every log line captured.
/// </summary>
internal sealed class DeliveryTestHost : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly bool _ownsDir;

    private DeliveryTestHost(IHost host, TempDirectory dir, bool ownsDir, LogCapture logs)
    {
        Host = host;
        _dir = dir;
        _ownsDir = ownsDir;
        Logs = logs;
    }

    public IHost Host { get; }
    public LogCapture Logs { get; }
    public IServiceProvider Services => Host.Services;
    public IOutbox Outbox => Services.GetRequiredService<IOutbox>();
    public IOutboxStore Store => Services.GetRequiredService<IOutboxStore>();
    public DeliveryService Deliveries => Services.GetRequiredService<DeliveryService>();

    public static Dictionary<string, string?> FastDelivery() => new()
    {
        ["FalcoHook:Delivery:InitialBackoff"] = "00:00:00.020",
        ["FalcoHook:Delivery:MaxBackoff"] = "00:00:00.100",
        ["FalcoHook:Delivery:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Delivery:MaxAttempts"] = "1000",
    };

    public static async Task<DeliveryTestHost> StartAsync(Dictionary<string, string?> settings, TimeProvider? time = null, TempDirectory? dir = null,
        Action<IServiceCollection>? configure = null)
    {
        var ownsDir = dir is null;
        dir ??= new TempDirectory();
        var logs = new LogCapture();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var all = FastDelivery();
        all["FalcoHook:Storage:ConnectionString"] = $"Data Source={dir.File("data/falcohook.db")}";
        foreach (var (key, value) in settings) all[key] = value;
        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        if (time is not null) builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IAlertBatchHandler, ForwardToOutbox>();
        builder.Services.AddStorage(builder.Configuration);
        builder.Services.AddInbox(builder.Configuration);
        builder.Services.AddDelivery(builder.Configuration);
        builder.Services.AddDestinations(builder.Configuration);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new DeliveryTestHost(host, dir, ownsDir, logs);
    }

    /// <summary>Enqueues one notification for the destinations and returns the delivery ids, in destination order.</summary>
    public async Task<IReadOnlyList<string>> EnqueueAsync(Notification notification, params string[] destinations)
    {
        var before = (await Store.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).ToHashSet();
        await Outbox.EnqueueAsync([new RoutedNotification(notification, destinations)], CancellationToken.None);
        var after = (await Store.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items;
        return destinations.Select(d => after.Single(r => r.Destination == d && !before.Contains(r.Id)).Id).ToList();
    }

    /// <summary>Polls the store until the delivery satisfies <paramref name="condition"/>.</summary>
    public async Task<DeliveryRecord> WaitForAsync(string id, Func<DeliveryRecord, bool> condition, int seconds = 10) =>
        (await Eventually.MatchesAsync(() => Store.GetAsync(id, CancellationToken.None), record => record is not null && condition(record),
            $"delivery {id} in the expected state", TimeSpan.FromSeconds(seconds),
            record => $"It is {record?.State} after {record?.Attempts} attempts ({record?.LastError}).".Trim()))!;

    public Task<DeliveryRecord> WaitForStateAsync(string id, DeliveryState state, int seconds = 10) =>
        WaitForAsync(id, r => r.State == state, seconds);

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        if (_ownsDir) _dir.Dispose();
    }

    /// <summary>A stand-in pipeline: every alert to the destinations named in its tags <c>to:NAME</c>.</summary>
    private sealed class ForwardToOutbox(IOutbox outbox) : IAlertBatchHandler
    {
        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken) =>
            outbox.EnqueueAsync(batch.Select(item => new RoutedNotification(new Notification(item.Alert, item.Alert.Rule) { Origin = item.Origin },
                item.Alert.Tags.Where(t => t.StartsWith("to:", StringComparison.Ordinal)).Select(t => t[3..]).ToList())).ToList(), cancellationToken);
    }
}
