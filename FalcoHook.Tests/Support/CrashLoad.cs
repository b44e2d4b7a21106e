using System.Collections.Concurrent;
using System.Text;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The crash tests' senders: post batches of 1-3 distinct items (ids <c>a1</c>, <c>a2</c>…; by default a JSON array of
/// alerts to <c>/</c>) to whichever service is up, and sort every item by what its request got: a 2xx
/// (<see cref="Accepted"/>), 429/503 (<see cref="Refused"/>), cut by a kill, so its fate is unknown
/// (<see cref="Uncertain"/>), or anything else (<see cref="Unexpected"/>, which a test expects to stay 0).
/// </summary>
public sealed class CrashLoad(HttpClient http, Func<int, string> item, string path = "/", Func<IEnumerable<string>, string>? batch = null)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Func<IEnumerable<string>, string> _batch = batch ?? (items => "[" + string.Join(",", items) + "]");
    private TaskCompletionSource<Uri> _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Uri? _target;
    private int _sequence;
    private int _refused;
    private int _unexpected;

    public ConcurrentDictionary<string, byte> Accepted { get; } = new();
    public ConcurrentDictionary<string, byte> Uncertain { get; } = new();
    public int Refused => Volatile.Read(ref _refused);
    public int Unexpected => Volatile.Read(ref _unexpected);

    /// <summary>The running service, or null between a kill and the restart (the senders wait for the next one).</summary>
    public Uri? Target
    {
        get => Volatile.Read(ref _target);
        set
        {
            lock (_gate)
            {
                Volatile.Write(ref _target, value);
                if (value is not null) _up.TrySetResult(value);
                else if (_up.Task.IsCompleted) _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private Task<Uri> UpAsync()
    {
        lock (_gate) return _up.Task;
    }

    public static string Id(int sequence) => $"a{sequence}";

    public List<Task> Start(int senders) => Enumerable.Range(0, senders).Select(n => Task.Run(() => SendAsync(n))).ToList();

    private async Task SendAsync(int sender)
    {
        var random = new Random(sender);
        while (!_stop.IsCancellationRequested)
        {
            if (Target is not { } target)
            {
                try { await UpAsync().WaitAsync(_stop.Token); } // between a kill and the restart
                catch (OperationCanceledException) { }
                continue;
            }
            var ids = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Interlocked.Increment(ref _sequence)).ToList();
            using var content = new StringContent(_batch(ids.Select(item)), Encoding.UTF8, "application/json");
            try
            {
                using var response = await http.PostAsync(new Uri(target, path), content);
                if (response.IsSuccessStatusCode) foreach (var id in ids) Accepted[Id(id)] = 0;
                else if ((int)response.StatusCode is 429 or 503) Interlocked.Increment(ref _refused);
                else Interlocked.Increment(ref _unexpected);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                foreach (var id in ids) Uncertain[Id(id)] = 0; // the kill cut it: not counted as accepted
            }
        }
    }

    public async Task StopAsync(IEnumerable<Task> senders)
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await Task.WhenAll(senders);
    }
}
