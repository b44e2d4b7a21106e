using FalcoHook.Core.Coordination;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// The coordination pieces of several replicas, each "replica" here its own <see cref="PostgresCoordination"/> (own
/// connections, own instance id) on one real PostgreSQL database: one leader at a time, a leader that loses its lock's
/// connection steps down and another takes over; a change one publishes reaches the others, not itself; the send slots
/// of a destination are spaced by its rate whichever replica takes them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCoordinationTests(PostgresFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static PostgresCoordination Replica(string connectionString) => new(
        Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = connectionString }),
        Options.Create(new CoordinationOptions { FailoverTimeout = TimeSpan.FromSeconds(2) }));

    private sealed class CountingState : ILeaderState
    {
        public int Reloads;

        public Task ReloadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reloads);
            return Task.CompletedTask;
        }
    }

    [SkippableFact]
    public async Task One_replica_leads_and_another_takes_over_when_its_lock_connection_is_lost()
    {
        PostgresServer.Require();
        var connectionString = await fixture.Server.CreateDatabaseAsync("leader");
        var states = Enumerable.Range(0, 3).Select(_ => new CountingState()).ToList();
        var databases = Enumerable.Range(0, 3).Select(_ => Replica(connectionString)).ToList();
        var replicas = databases.Select((d, i) => new PostgresLeadership(d, [states[i]], TimeProvider.System, NullLogger<PostgresLeadership>.Instance)).ToList();
        try
        {
            foreach (var replica in replicas) await replica.StartAsync(CancellationToken.None);
            var term = await Task.WhenAny(replicas.Select(r => r.LeadAsync(CancellationToken.None))).Unwrap().WaitAsync(Deadline);
            var leader = Assert.Single(replicas, r => r.IsLeader);
            var index = replicas.IndexOf(leader);
            Assert.Equal(1, states[index].Reloads); // reloaded before it led
            Assert.True(replicas.Where(r => r != leader).All(r => !r.LeadAsync(CancellationToken.None).IsCompleted));

            // The database ends the leader's session: the lock goes with it, the leader steps down, another leads.
            await using (var admin = new NpgsqlConnection(connectionString))
            {
                await admin.OpenAsync();
                await using var kill = new NpgsqlCommand(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted " +
                    $"AND ((classid::bigint << 32) | objid::bigint) = {PostgresCoordination.LeaderLockKey}", admin);
                Assert.Equal(true, await kill.ExecuteScalarAsync());
            }
            await Eventually.TrueAsync(() => term.IsCancellationRequested, "the leader to step down", Deadline);
            await Eventually.TrueAsync(() => replicas.Count(r => r.IsLeader) == 1, "one replica to lead again", Deadline);
            var next = replicas.Single(r => r.IsLeader);
            Assert.True(states[replicas.IndexOf(next)].Reloads >= 1);

            // A replica that stops releases the lock at once: the others take over.
            await next.StopAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => replicas.Count(r => r != next && r.IsLeader) == 1, "a remaining replica to lead", Deadline);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.StopAsync(CancellationToken.None);
                replica.Dispose();
            }
            foreach (var database in databases) await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_change_published_by_one_replica_reaches_the_others_and_not_itself()
    {
        PostgresServer.Require();
        var connectionString = await fixture.Server.CreateDatabaseAsync("notify");
        var databases = Enumerable.Range(0, 3).Select(_ => Replica(connectionString)).ToList();
        var feeds = databases.Select(d => new PostgresChangeFeed(d, TimeProvider.System, NullLogger<PostgresChangeFeed>.Instance)).ToList();
        var heard = feeds.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var silences = 0;
        for (var i = 0; i < feeds.Count; i++)
        {
            var mine = heard[i];
            feeds[i].Subscribe(ChangeTopic.Rules, _ =>
            {
                mine.TrySetResult();
                return Task.CompletedTask;
            });
            feeds[i].Subscribe(ChangeTopic.Silences, _ =>
            {
                Interlocked.Increment(ref silences);
                return Task.CompletedTask;
            });
        }
        try
        {
            foreach (var feed in feeds) await feed.StartAsync(CancellationToken.None);
            await Task.WhenAll(feeds.Select(f => f.Listening)).WaitAsync(Deadline);

            await feeds[0].PublishAsync(ChangeTopic.Rules, CancellationToken.None);
            await Task.WhenAll(heard[1].Task, heard[2].Task).WaitAsync(Deadline);
            Assert.False(heard[0].Task.IsCompleted); // its own change: it knows already
            Assert.Equal(0, Volatile.Read(ref silences)); // another topic
        }
        finally
        {
            foreach (var feed in feeds)
            {
                await feed.StopAsync(CancellationToken.None);
                feed.Dispose();
            }
            foreach (var database in databases) await database.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Slots_of_one_destination_are_a_rate_apart_whichever_replica_takes_them()
    {
        PostgresServer.Require();
        var connectionString = await fixture.Server.CreateDatabaseAsync("rate");
        await using var first = Replica(connectionString);
        await using var second = Replica(connectionString);
        var gates = new[] { new PostgresRateGate(first, TimeProvider.System), new PostgresRateGate(second, TimeProvider.System) };
        const double rate = 1; // Slack's one message a second per webhook
        foreach (var gate in gates) await gate.ReserveAsync("warm-up", rate, CancellationToken.None); // connections open
        var slots = new List<DateTimeOffset>();
        for (var i = 0; i < 12; i++) slots.Add((await gates[i % 2].ReserveAsync("slack", rate, CancellationToken.None)).Slot);
        var other = (await gates[0].ReserveAsync("webhook", rate, CancellationToken.None)).Slot;

        // Taken alternately by two replicas, the slots are one second apart on the database's clock.
        var gaps = slots.Zip(slots.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.Equal(TimeSpan.FromSeconds(1), gap));
        Assert.True(other < slots[^1], "another destination has its own slots");
    }
}
