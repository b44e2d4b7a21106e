using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// Elects the leader among replicas on one PostgreSQL: the replica holding the session advisory lock
/// <see cref="PostgresCoordination.LeaderLockKey"/> on a connection of its own. The others try
/// <c>pg_try_advisory_lock</c> every <see cref="CoordinationOptions.CheckInterval"/>; the leader checks that
/// connection as often, and steps down at once when it fails (the lock goes with the session). Before it leads, a
/// replica reloads every <see cref="ILeaderState"/> from the database.
/// </summary>
public sealed class PostgresLeadership(PostgresCoordination database, IEnumerable<ILeaderState> states, TimeProvider time,
    ILogger<PostgresLeadership> logger) : BackgroundService, ILeadership
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<CancellationToken> _leading = NewTerm();
    private long _leadingSince;

    public bool Shared => true;

    public bool IsLeader
    {
        get
        {
            lock (_gate) return _leading.Task is { IsCompletedSuccessfully: true } term && !term.Result.IsCancellationRequested;
        }
    }

    public Task<CancellationToken> LeadAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _leading.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = database.Options.CheckInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenDedicatedAsync(stoppingToken).ConfigureAwait(false);
                while (!await TryLockAsync(connection, interval, stoppingToken).ConfigureAwait(false))
                    await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                await LeadWhileConnectedAsync(connection, interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the connection closes: the lock is free for another replica now
            }
            catch (Exception e)
            {
                CoordinationLog.LockConnectionFailed(logger, interval, e);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task LeadWhileConnectedAsync(NpgsqlConnection connection, TimeSpan interval, CancellationToken stoppingToken)
    {
        foreach (var state in states) await state.ReloadAsync(stoppingToken).ConfigureAwait(false);
        using var term = new CancellationTokenSource();
        lock (_gate) _leading.TrySetResult(term.Token);
        _leadingSince = time.GetTimestamp();
        CoordinationLog.Leading(logger, database.InstanceId);
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                await PingAsync(connection, interval, stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // A new term to wait for first, then the old one ends: whoever sees the end and asks again waits.
            lock (_gate) _leading = NewTerm();
            await term.CancelAsync().ConfigureAwait(false);
            CoordinationLog.SteppedDown(logger, database.InstanceId, time.GetElapsedTime(_leadingSince));
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({PostgresCoordination.LeaderLockKey})", connection);
        return (bool)(await command.ExecuteScalarAsync(limit.Token).ConfigureAwait(false))!;
    }

    /// <summary>The lock's session still answers, within <paramref name="timeout"/>; it throws otherwise.</summary>
    private static async Task PingAsync(NpgsqlConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(limit.Token).ConfigureAwait(false);
    }

    private static TaskCompletionSource<CancellationToken> NewTerm() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
