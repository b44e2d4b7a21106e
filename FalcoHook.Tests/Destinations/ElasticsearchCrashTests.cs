using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// A batching destination under SIGKILL: the real service, a child process, sends alerts to the Elasticsearch bulk
/// API fake in batches and is killed while batches are in flight (the fake stores a batch, then holds its answer), and
/// restarts on the same SQLite file. Every accepted alert reaches the index, and none is in it twice: a batch sent
/// again carries the same <c>_id</c>s, which the index already has (409).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ElasticsearchCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_SIGKILL_mid_batch_leaves_no_duplicate_in_an_index_keyed_by_id()
    {
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");
        await using var receiver = await FakeReceiver.StartAsync();
        var fake = new ElasticsearchFake(document => document.GetProperty("output_fields").GetProperty("test.id").GetString()!)
        {
            // Every other request is stored and then answered late, so a kill finds batches the index has but the outbox has not recorded.
            Hold = n => n % 2 == 0 ? TimeSpan.FromMilliseconds(400) : TimeSpan.Zero,
            FailRequest = n => n % 7 == 3 ? new FakeResponse(503) : null,
        };
        receiver.Responder = fake.Answer;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, Alert);
        var backlogAtKills = await SigkillRuns.RunAsync(dir.Path, database, Settings(database, receiver.Url("/")), http, load, senders: 4, fake,
            new SigkillPlan(Kills: 3, AcceptedPerRun: 150, DeliveredPerRun: 40, AcceptedAfterLast: 100, "alerts"), output);
        output.WriteLine($"{fake.Conflicts} creates refused as already indexed (a batch sent again), {fake.Documents.Count} documents");

        Assert.DoesNotContain(load.Accepted.Keys, a => !fake.HasDelivered(a));
        Assert.Equal(0, fake.Repeats);
        Assert.Equal(fake.DeliveredAlerts, fake.Documents.Count);
        Assert.Equal(0, fake.Malformed);
        Assert.Equal(0, load.Unexpected);
        Assert.All(backlogAtKills, b => Assert.True(b > 0, "a kill found nothing in progress"));
        Assert.True(fake.Bulks.Any(ids => ids.Count > 1), "no request carried a batch");
        // The kills did cut batches the index had stored: they were sent again, and the index kept one copy.
        Assert.True(fake.Conflicts > 0, "no batch was sent again after a kill");
    }

    private static Dictionary<string, string> Settings(string database, string url) => new(SigkillRuns.ServiceSettings(database))
    {
        ["FalcoHook:Destinations:index:Type"] = "elasticsearch",
        ["FalcoHook:Destinations:index:Url"] = url,
        ["FalcoHook:Destinations:index:BatchSize"] = "40",
        ["FalcoHook:Destinations:index:BatchLinger"] = "00:00:00.100",
        ["FalcoHook:Destinations:index:Timeout"] = "00:00:05",
    };

    private static string Alert(int sequence)
    {
        var id = CrashLoad.Id(sequence);
        return $$$"""{"rule":"Batch crash {{{id}}}","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"batch crash alert {{{id}}}","output_fields":{"test.id":"{{{id}}}"}}""";
    }
}
