using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// What the outage and rolling-restart tests share: their own PostgreSQL, three replicas on it delivering to one signed
/// webhook (<see cref="ReplicaTestAlerts"/>), and a load of distinct alerts spread over the three. Disposing stops the
/// load if it still runs, then the replicas, the webhook and the database.
/// </summary>
internal sealed class ReplicaRun : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private List<Task>? _senders;

    private ReplicaRun(TempDirectory dir, PostgresServer server, FakeReceiver receiver, WebhookSink sink, ReplicaSet replicas, HttpClient http,
        ReplicaLoad load)
    {
        (_dir, Server, Receiver, Sink, Replicas, Http, Load) = (dir, server, receiver, sink, replicas, http, load);
    }

    public PostgresServer Server { get; }
    public FakeReceiver Receiver { get; }
    public WebhookSink Sink { get; }
    public ReplicaSet Replicas { get; }
    public HttpClient Http { get; }
    public ReplicaLoad Load { get; }

    /// <summary>Starts the database and three replicas, then <paramref name="senders"/> senders pausing <paramref name="pause"/> between alerts.</summary>
    public static async Task<ReplicaRun> StartAsync(string database, TimeSpan pause, int senders)
    {
        var server = await PostgresServer.StartNewAsync();
        var connectionString = await server.CreateDatabaseAsync(database);
        var receiver = await FakeReceiver.StartAsync();
        var sink = ReplicaTestAlerts.Sink(out var key);
        receiver.Responder = sink.Answer;
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var dir = new TempDirectory();
        var replicas = new ReplicaSet(dir.Path, ReplicaTestAlerts.Settings(connectionString, receiver.Url("/falco"), key), http);
        var run = new ReplicaRun(dir, server, receiver, sink, replicas, http, new ReplicaLoad(http, ReplicaTestAlerts.Distinct, pause: pause));
        for (var slot = 0; slot < 3; slot++) await replicas.StartAsync(slot);
        for (var slot = 0; slot < 3; slot++) run.Load.Add(replicas[slot].BaseUrl);
        run._senders = run.Load.Start(senders);
        return run;
    }

    /// <summary>Stops sending and waits for the senders.</summary>
    public async Task StopLoadAsync()
    {
        if (_senders is not { } senders) return;
        _senders = null;
        await Load.StopAsync(senders);
    }

    /// <summary>Waits until every alert that got a 2xx is at the webhook; the failure names the first missing ones.</summary>
    public Task AllAcceptedDeliveredAsync(TimeSpan timeout) =>
        Eventually.TrueAsync(() => Load.Accepted.Keys.All(Sink.HasDelivered), "every accepted alert at the webhook", timeout,
            () => $"missing: {string.Join(", ", Load.Accepted.Keys.Where(a => !Sink.HasDelivered(a)).Take(20))}");

    public async ValueTask DisposeAsync()
    {
        await StopLoadAsync();
        await Replicas.DisposeAsync();
        Http.Dispose();
        await Receiver.DisposeAsync();
        await Server.DisposeAsync();
        _dir.Dispose();
    }
}
