using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// JetStream under SIGKILL: the real service, a child process, publishes alerts in batches to a real nats-server
/// through a proxy that holds the server's answers back (so a kill finds messages the stream stored but whose
/// acknowledgements never arrived), and restarts on the same SQLite file. Every accepted alert reaches the stream, and
/// none is in it twice: a delivery published again carries the same <c>Nats-Msg-Id</c>, which the stream drops. A core
/// subscriber on the same subjects sees every publish, so the test also shows that deliveries were in fact published
/// again.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class NatsCrashTests(NatsServer nats, ITestOutputHelper output) : IClassFixture<NatsServer>
{
    [SkippableFact]
    public async Task A_SIGKILL_mid_batch_leaves_no_duplicate_in_a_JetStream_stream()
    {
        NatsServer.Require();
        await nats.CreateStreamAsync(new StreamConfig("CRASH", ["crash.>"]) { DuplicateWindow = TimeSpan.FromMinutes(10) });
        await using var proxy = HeldAnswersProxy.Start(nats.Port, TimeSpan.FromMilliseconds(300));
        await using var sink = await StreamSink.StartAsync(nats, "CRASH", "crash.>");
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, Alert);
        var backlogAtKills = await SigkillRuns.RunAsync(dir.Path, database, Settings(database, $"nats://127.0.0.1:{proxy.Port}"), http, load, senders: 4, sink,
            new SigkillPlan(Kills: 2, AcceptedPerRun: 150, DeliveredPerRun: 40, AcceptedAfterLast: 100, "alerts"), output);
        var stored = await nats.ReadStreamAsync("CRASH");
        output.WriteLine($"{sink.Requests} publishes seen, {sink.PublishedAgain} deliveries published more than once, {stored.Count} messages in the stream");

        Assert.DoesNotContain(load.Accepted.Keys, a => !sink.HasDelivered(a));
        Assert.Equal(0, sink.Repeats);
        Assert.Equal(stored.Count, stored.Select(m => m.Headers!["Nats-Msg-Id"].ToString()).Distinct().Count());
        Assert.Equal(stored.Count, stored.Select(m => TestId(m.Data!)).Distinct().Count());
        Assert.Equal(0, load.Unexpected);
        Assert.All(backlogAtKills, b => Assert.True(b > 0, "a kill found nothing in progress"));
        // The kills cut batches whose messages the stream had: they were published again, and the stream kept one copy.
        Assert.True(sink.PublishedAgain > 0, "no delivery was published again after a kill");
    }

    private static Dictionary<string, string> Settings(string database, string url) => new(SigkillRuns.ServiceSettings(database))
    {
        ["FalcoHook:Destinations:stream:Type"] = "nats",
        ["FalcoHook:Destinations:stream:Url"] = url,
        ["FalcoHook:Destinations:stream:Subject"] = "crash.{priority}",
        ["FalcoHook:Destinations:stream:JetStream"] = "true",
        ["FalcoHook:Destinations:stream:Stream"] = "CRASH",
        ["FalcoHook:Destinations:stream:BatchSize"] = "40",
        ["FalcoHook:Destinations:stream:BatchLinger"] = "00:00:00.100",
        ["FalcoHook:Destinations:stream:Timeout"] = "00:00:05",
    };

    private static string Alert(int sequence)
    {
        var id = CrashLoad.Id(sequence);
        return $$$"""{"rule":"Stream crash {{{id}}}","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"stream crash alert {{{id}}}","output_fields":{"test.id":"{{{id}}}"}}""";
    }

    private static string TestId(byte[] data) => JsonDocument.Parse(data).RootElement.GetProperty("output_fields").GetProperty("test.id").GetString()!;

    /// <summary>
    /// What reached the stream (an ordered consumer following it: alert → its messages) and every publish on its subjects
    /// (a core subscription, which sees the publishes the stream drops as duplicates too).
    /// </summary>
    private sealed class StreamSink : ICrashSink, IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, int> _messagesOfAlert = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _publishesOfId = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private NatsConnection _connection = null!;
        private Task _following = Task.CompletedTask;
        private int _publishes;

        public static async Task<StreamSink> StartAsync(NatsServer nats, string stream, string subjects)
        {
            var sink = new StreamSink { _connection = nats.Connect() };
            var publishes = await sink._connection.SubscribeCoreAsync<byte[]>(subjects);
            var consumer = await new NatsJSContext(sink._connection).CreateOrderedConsumerAsync(stream);
            await sink._connection.PingAsync();
            sink._following = Task.WhenAll(Task.Run(() => sink.CountPublishesAsync(publishes)), Task.Run(() => sink.FollowAsync(consumer)));
            return sink;
        }

        public int DeliveredAlerts => _messagesOfAlert.Count;
        public int Requests => Volatile.Read(ref _publishes);
        public int Failed => 0;
        public int Repeats => _messagesOfAlert.Values.Count(n => n > 1);
        public int PublishedAgain => _publishesOfId.Values.Count(n => n > 1);
        public bool HasDelivered(string alert) => _messagesOfAlert.ContainsKey(alert);

        private async Task CountPublishesAsync(INatsSub<byte[]> publishes)
        {
            await using var _ = publishes;
            try
            {
                await foreach (var message in publishes.Msgs.ReadAllAsync(_stop.Token))
                {
                    Interlocked.Increment(ref _publishes);
                    _publishesOfId.AddOrUpdate(message.Headers!["Nats-Msg-Id"].ToString(), 1, (_, n) => n + 1);
                }
            }
            catch (OperationCanceledException) { }
        }

        private async Task FollowAsync(INatsJSConsumer consumer)
        {
            try
            {
                await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: _stop.Token))
                    _messagesOfAlert.AddOrUpdate(TestId(message.Data!), 1, (_, n) => n + 1);
            }
            catch (OperationCanceledException) { }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _following;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// A TCP proxy to nats-server that forwards what the client sends at once and what the server sends
    /// <see cref="_hold"/> later, in order: the server has each published message well before the client has its
    /// acknowledgement.
    /// </summary>
    private sealed class HeldAnswersProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly int _target;
        private readonly TimeSpan _hold;
        private Task _accepting = Task.CompletedTask;

        private HeldAnswersProxy(int target, TimeSpan hold) => (_target, _hold) = (target, hold);

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static HeldAnswersProxy Start(int target, TimeSpan hold)
        {
            var proxy = new HeldAnswersProxy(target, hold);
            proxy._listener.Start();
            proxy._accepting = Task.Run(proxy.AcceptAsync);
            return proxy;
        }

        private async Task AcceptAsync()
        {
            var pairs = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    pairs.Add(Task.Run(() => RelayAsync(client)));
                }
            }
            catch (OperationCanceledException) { }
            await Task.WhenAll(pairs);
        }

        private async Task RelayAsync(TcpClient client)
        {
            using var _ = client;
            using var server = new TcpClient();
            using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, pair.Token);
                var toServer = CopyAsync(client.GetStream(), server.GetStream(), TimeSpan.Zero, pair);
                var toClient = CopyAsync(server.GetStream(), client.GetStream(), _hold, pair);
                await Task.WhenAll(toServer, toClient);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        }

        /// <summary>Copies until either side closes (then closes the pair); with a hold, each chunk is written that long after it was read.</summary>
        private static async Task CopyAsync(NetworkStream from, NetworkStream to, TimeSpan hold, CancellationTokenSource pair)
        {
            var chunks = Channel.CreateUnbounded<(long Read, byte[] Bytes)>();
            var writing = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (read, bytes) in chunks.Reader.ReadAllAsync(pair.Token))
                    {
                        var wait = hold - TimeProvider.System.GetElapsedTime(read);
                        if (wait > TimeSpan.Zero) await Task.Delay(wait, pair.Token); // the hold itself, not a wait for an effect
                        await to.WriteAsync(bytes, pair.Token);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
                finally { await pair.CancelAsync(); }
            });
            try
            {
                var buffer = new byte[64 * 1024];
                int count;
                while ((count = await from.ReadAsync(buffer, pair.Token)) > 0)
                    chunks.Writer.TryWrite((TimeProvider.System.GetTimestamp(), buffer[..count]));
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
            chunks.Writer.TryComplete();
            await writing;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
