using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Ingest;

/// <summary>Measures process memory, so it runs alone: other tests' allocations would blur the numbers.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

[Collection(nameof(MemoryMeasurement))]
public sealed class OverloadTests
{
    /// <summary>A pipeline that holds every batch until released: the drain is paused.</summary>
    private sealed class GatedHandler : IAlertBatchHandler
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Handled;

        public async Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            Interlocked.Add(ref Handled, batch.Count);
        }
    }

    private static StringContent Alert(int n) => new(
        $$"""{"rule":"Overload {{n}}","priority":"Notice","time":"2024-01-02T03:04:05Z","output":"x"}""",
        new MediaTypeHeaderValue("application/json"));

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_memory_does_not_grow_with_rejections()
    {
        var gate = new GatedHandler();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Ingest:QueueCapacity", "2")
            .With("FalcoHook:Ingest:QueueFullWait", "00:00:00.001")
            .With("FalcoHook:Ingest:RetryAfterSeconds", "7")
            .WithServices(s => s.AddSingleton<IAlertBatchHandler>(gate));
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", Alert(1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", Alert(2))).StatusCode);

        var rejected = await client.PostAsync("/", Alert(3));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), rejected.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);

        // Warm up, then measure: thousands more rejections must not hold on to memory.
        for (var i = 0; i < 300; i++) (await client.PostAsync("/", Alert(i))).Dispose();
        var before = SettledMemory();
        var statuses = new HashSet<HttpStatusCode>();
        for (var i = 0; i < 3000; i++)
        {
            using var response = await client.PostAsync("/", Alert(i));
            statuses.Add(response.StatusCode);
        }
        var after = SettledMemory();
        Assert.Equal([HttpStatusCode.ServiceUnavailable], statuses);
        Assert.True(after - before < 8 * 1024 * 1024, $"memory grew by {(after - before) / 1024} KiB over 3,000 rejected requests");
        Assert.Equal(2, factory.Services.GetRequiredService<IAlertInbox>().Pending);

        // Once the drain runs again the queue empties and requests are accepted.
        gate.Release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref gate.Handled) == 2, "the two held alerts to be processed");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", Alert(4))).StatusCode);
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
