using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// A client spreading alerts over the replicas that take requests now (<see cref="Targets"/>, round robin), as a
/// Service in front of them would: batches of 1-3 items of <paramref name="plan"/> (an id and its JSON; a repeat
/// has the id of the alert it repeats) until <paramref name="total"/> items are sent (forever when null), each
/// sender pausing <paramref name="pause"/> between requests. Every item is sorted by what its request got: a 2xx
/// (<see cref="Accepted"/>, with when it was answered), 429 or 503 with Retry-After (<see cref="Refused"/>), a 503
/// without Retry-After or any other status (<see cref="Unexpected"/>, which the tests expect to stay empty), or no
/// answer because a kill cut it (<see cref="Uncertain"/>).
/// </summary>
public sealed class ReplicaLoad(HttpClient http, Func<int, (string Id, string Json)> plan, int? total = null, TimeSpan? pause = null)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<Uri, int> _inFlight = new();
    private List<Uri> _targets = [];
    private int _next = -1;
    private int _turn;
    private int _refused;

    public ConcurrentDictionary<string, byte> Accepted { get; } = new();
    public ConcurrentDictionary<string, byte> Uncertain { get; } = new();
    public ConcurrentQueue<string> Unexpected { get; } = new();
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Answer times (<see cref="Stopwatch.GetTimestamp"/>) of the 2xx answers, with when their request was sent.</summary>
    public ConcurrentQueue<(long Sent, long Answered)> Successes { get; } = new();

    /// <summary>Items handed to a request so far.</summary>
    public int Sent => Math.Min(Volatile.Read(ref _next) + 1, total ?? int.MaxValue);

    /// <summary>The replicas taking requests now.</summary>
    public IReadOnlyList<Uri> Targets
    {
        get
        {
            lock (_gate) return _targets;
        }
    }

    public void Add(Uri target)
    {
        lock (_gate) _targets = [.. _targets, target];
    }

    /// <summary>Takes <paramref name="target"/> out of the rotation (a pod leaving its Service's endpoints).</summary>
    public void Remove(Uri target)
    {
        lock (_gate) _targets = _targets.Where(t => t != target).ToList();
    }

    /// <summary>Requests sent to <paramref name="target"/> and not yet answered.</summary>
    public int InFlight(Uri target) => _inFlight.GetValueOrDefault(target);

    /// <summary>Starts the senders; with a bounded plan each ends once the plan is all sent.</summary>
    public List<Task> Start(int senders) => Enumerable.Range(0, senders).Select(n => Task.Run(() => SendAsync(n))).ToList();

    private async Task SendAsync(int sender)
    {
        var random = new Random(sender);
        while (!_stop.IsCancellationRequested)
        {
            var targets = Targets;
            if (targets.Count == 0)
            {
                await Task.Delay(10);
                continue;
            }
            var target = targets[(Interlocked.Increment(ref _turn) & int.MaxValue) % targets.Count];
            var items = new List<(string Id, string Json)>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                var index = Interlocked.Increment(ref _next);
                if (total is { } limit && index >= limit) break;
                items.Add(plan(index));
            }
            if (items.Count == 0) return; // the plan is all sent
            await PostAsync(target, items);
            if (pause is { } wait) await Task.Delay(wait);
        }
    }

    private async Task PostAsync(Uri target, List<(string Id, string Json)> items)
    {
        using var content = new StringContent("[" + string.Join(",", items.Select(i => i.Json)) + "]", Encoding.UTF8, "application/json");
        var sent = Stopwatch.GetTimestamp();
        _inFlight.AddOrUpdate(target, 1, (_, n) => n + 1);
        try
        {
            using var response = await http.PostAsync(target, content);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                Successes.Enqueue((sent, Stopwatch.GetTimestamp()));
                foreach (var item in items) Accepted[item.Id] = 0;
            }
            else if (status is 429 or 503 && response.Headers.RetryAfter is not null) Interlocked.Increment(ref _refused);
            else Unexpected.Enqueue($"{status} from {target} ({(response.Headers.RetryAfter is null ? "no Retry-After" : "Retry-After")}): {await response.Content.ReadAsStringAsync()}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            foreach (var item in items) Uncertain[item.Id] = 0; // a kill cut it: its fate is unknown
        }
        finally
        {
            _inFlight.AddOrUpdate(target, 0, (_, n) => n - 1);
        }
    }

    public async Task StopAsync(IEnumerable<Task> senders)
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await Task.WhenAll(senders);
    }
}
