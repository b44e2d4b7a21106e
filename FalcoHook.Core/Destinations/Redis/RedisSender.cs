using System.Collections.Concurrent;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace FalcoHook.Core.Destinations.Redis;

/// <summary>
/// Adds a batch of entries on the destination's one <see cref="ConnectionMultiplexer"/> (opened on first use, reconnected
/// with backoff by the library). The batch's <c>XADD</c>s are pipelined and each answer is that delivery's outcome.
/// While the server is away commands fail at once (no backlog) and the outbox retries them, like an HTTP destination
/// that is down. A connection that cannot be made (refused, a TLS handshake that fails, credentials the server rejects)
/// keeps the batch pending with the reason, logged once per outage (<see cref="BrokerOutage"/>).
/// The first connection is made whole or not at all: until one has been established, each attempt connects afresh and a
/// failure is that attempt's exception, which names its reason. Once established, the library reconnects by itself and
/// <see cref="ConnectionMultiplexer.ConnectionFailed"/> says why a reconnection fails.
/// </summary>
public sealed class RedisSender(ILogger<RedisSender> logger) : BatchDestinationSender<RedisSettings>, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisLink> _links = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, RedisSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var timeout = destination.Options.Timeout;
        var link = _links.GetOrAdd(destination.Name, _ => new RedisLink(new BrokerOutage(destination, logger), ClientTls.Load(settings.Tls, "Tls")));
        if (link.Tls?.Error is { } unreadable) return Unreachable(unreadable);
        var connecting = _connections.GetOrAdd(destination.Name, _ => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(settings, link, timeout)));
        try
        {
            var connection = await connecting.Value.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var database = connection.GetDatabase(settings.Database);
            var options = new StreamAddOptions { MaxLength = settings.MaxLength, Approximate = settings.MaxLength is not null };
            var adds = batch.Select(a => AddAsync(database, settings.Stream!, Fields(a), options, link)).ToList();
            var results = await Task.WhenAll(adds).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (connection.IsConnected) link.Outage.Succeeded();
            else link.Outage.Failed(results.FirstOrDefault(r => r.Outcome == SendOutcome.Retry)?.Error ?? "Redis: not connected");
            return results;
        }
        catch (TimeoutException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable($"not connected within {timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is RedisException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
        {
            // The first connection failed (it is made again on the next attempt); the reason may be an inner exception.
            _connections.TryRemove(new KeyValuePair<string, Lazy<Task<ConnectionMultiplexer>>>(destination.Name, connecting));
            return Unreachable(BrokerOutage.Reason(e));
        }

        IReadOnlyList<SendResult> Unreachable(string reason)
        {
            link.Outage.Failed("Redis: " + reason);
            return All(SendResult.Retry("Redis: " + reason), batch.Count);
        }
    }

    /// <summary>
    /// Connects, failing with the reason when the first connection cannot be made (a refused AUTH says WRONGPASS), and
    /// then remembers why the server last dropped or refused the command connection.
    /// </summary>
    /// <remarks>
    /// The library reports a connection failure once until a connection succeeds again. A handler attached after a
    /// connect that returned without a connection could miss that one report (it can come before the handler is there)
    /// and every later attempt would then say only that no connection is available; so the first connect aborts instead.
    /// </remarks>
    private static async Task<ConnectionMultiplexer> ConnectAsync(RedisSettings settings, RedisLink link, TimeSpan timeout)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(Options(settings, link.Tls, timeout)).ConfigureAwait(false);
        // Only the interactive connection's failures: when the server refuses the AUTH the client closes the subscription
        // connection too, and that one reports a disposed socket, which would replace the refusal if it came second.
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive) return;
            link.LastFailure = e.Exception is { } failure ? $"{e.FailureType}: {BrokerOutage.Reason(failure)}" : e.FailureType.ToString();
        };
        connection.ConnectionRestored += (_, _) => link.LastFailure = null;
        return connection;
    }

    private static async Task<SendResult> AddAsync(IDatabaseAsync database, string stream, NameValueEntry[] fields, StreamAddOptions options, RedisLink link)
    {
        try
        {
            await database.StreamAddAsync(stream, fields, options).ConfigureAwait(false);
            return SendResult.Delivered;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal) || e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            return SendResult.Permanent("Redis refused XADD: " + e.Message);
        }
        catch (RedisConnectionException e) when (link.LastFailure is { } failure && !e.Message.Contains(failure, StringComparison.Ordinal))
        {
            return SendResult.Retry($"Redis: {BrokerOutage.Reason(e)} (last connection failure: {failure})");
        }
        catch (RedisException e)
        {
            // Connection lost, timeout, or a transient server state (LOADING, OOM, READONLY, MASTERDOWN…).
            return SendResult.Retry("Redis: " + BrokerOutage.Reason(e));
        }
    }

    private static NameValueEntry[] Fields(DeliveryAttempt attempt)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        return
        [
            new("id", attempt.DeliveryId),
            new("rule", alert.Rule),
            new("priority", alert.Priority.ToFalcoString()),
            new("hostname", alert.Hostname ?? ""),
            new("alert", alert.ToJsonBytes()),
        ];
    }

    private static ConfigurationOptions Options(RedisSettings settings, ClientTls? clientTls, TimeSpan timeout)
    {
        var uri = new Uri(settings.Url!);
        var tls = uri.Scheme == "rediss";
        var options = new ConfigurationOptions
        {
            EndPoints = { { uri.Host, uri.IsDefaultPort || uri.Port < 0 ? (tls ? 6380 : 6379) : uri.Port } },
            Ssl = tls,
            SslHost = tls ? uri.Host : null,
            User = string.IsNullOrEmpty(settings.User) ? null : settings.User,
            Password = string.IsNullOrEmpty(settings.Password) ? null : settings.Password,
            DefaultDatabase = settings.Database,
            ClientName = "falcohook",
            // Streams only: without SUBSCRIBE the client opens no second (pub/sub) connection per server.
            CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.Ordinal) { "SUBSCRIBE" }, available: false),
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(250, 5000),
            ConnectTimeout = Milliseconds(timeout),
            AsyncTimeout = Milliseconds(timeout),
            SyncTimeout = Milliseconds(timeout),
        };
        if (clientTls?.Certificate is { } certificate) options.CertificateSelection += (_, _, _, _, _) => certificate;
        if (clientTls?.Trust is { Count: > 0 }) options.CertificateValidation += (_, remote, chain, errors) => clientTls.Accepts(remote, chain, errors);
        return options;
    }

    private sealed class RedisLink(BrokerOutage outage, ClientTls? tls)
    {
        public BrokerOutage Outage => outage;

        public ClientTls? Tls => tls;

        public string? LastFailure { get; set; }
    }

    private static int Milliseconds(TimeSpan span) => (int)Math.Clamp(span.TotalMilliseconds, 1, int.MaxValue);

    public async ValueTask DisposeAsync()
    {
        foreach (var connecting in _connections.Values)
            if (connecting.IsValueCreated && connecting.Value.IsCompletedSuccessfully)
                await connecting.Value.Result.DisposeAsync().ConfigureAwait(false);
    }
}
