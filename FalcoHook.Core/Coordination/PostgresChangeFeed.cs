using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// Changes between replicas through PostgreSQL's LISTEN/NOTIFY on <see cref="PostgresCoordination.Channel"/>: the
/// payload is <c>topic:instance</c>, and a replica ignores its own. A notification reaches every listening session as
/// soon as the publishing transaction commits. A listener that lost its connection runs every handler once when it
/// is back, since it may have missed notifications meanwhile.
/// </summary>
public sealed class PostgresChangeFeed(PostgresCoordination database, TimeProvider time, ILogger<PostgresChangeFeed> logger)
    : BackgroundService, IChangeFeed
{
    private readonly ConcurrentDictionary<ChangeTopic, List<Func<CancellationToken, Task>>> _handlers = new();
    private readonly System.Threading.Channels.Channel<ChangeTopic> _received =
        System.Threading.Channels.Channel.CreateUnbounded<ChangeTopic>(new() { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this replica listens (its first LISTEN is in place).</summary>
    public Task Listening => _listening.Task;

    public async Task PublishAsync(ChangeTopic topic, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = database.DataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
            command.Parameters.AddWithValue("channel", PostgresCoordination.Channel);
            command.Parameters.AddWithValue("payload", $"{topic}:{database.InstanceId}");
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            CoordinationLog.PublishFailed(logger, topic, e);
        }
    }

    public void Subscribe(ChangeTopic topic, Func<CancellationToken, Task> handler)
    {
        var list = _handlers.GetOrAdd(topic, _ => []);
        lock (list) list.Add(handler);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), ReactAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var interval = database.Options.CheckInterval;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenDedicatedAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresCoordination.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                if (!first) foreach (var topic in Enum.GetValues<ChangeTopic>()) _received.Writer.TryWrite(topic);
                _listening.TrySetResult();
                first = false;
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Wait returns false on a quiet interval; a query then checks that the connection still works.
                    if (await connection.WaitAsync(interval, stoppingToken).ConfigureAwait(false)) continue;
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                first = false;
                CoordinationLog.ListenerFailed(logger, interval, e);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void OnNotification(string payload)
    {
        var separator = payload.IndexOf(':');
        if (separator < 0 || !Enum.TryParse<ChangeTopic>(payload[..separator], out var topic)) return;
        if (payload[(separator + 1)..] == database.InstanceId) return; // this replica's own change
        _received.Writer.TryWrite(topic);
    }

    /// <summary>Runs the handlers of each topic received, one at a time, outside the listener's connection.</summary>
    private async Task ReactAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var topic in _received.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!_handlers.TryGetValue(topic, out var list)) continue;
                Func<CancellationToken, Task>[] handlers;
                lock (list) handlers = [.. list];
                foreach (var handler in handlers)
                {
                    try
                    {
                        await handler(stoppingToken).ConfigureAwait(false);
                        CoordinationLog.PickedUp(logger, topic);
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        CoordinationLog.ReactionFailed(logger, topic, e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
