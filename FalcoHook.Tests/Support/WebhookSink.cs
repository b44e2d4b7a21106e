using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The crash tests' receiving end for a signed webhook: checks each request's Standard Webhooks signature, fails the
/// first attempt of about one delivery in five (500), holds about one in five for 150 ms (in flight when the kill
/// comes), and records which webhook-ids each alert (named by <paramref name="identify"/>) arrived with.
/// </summary>
public sealed class WebhookSink(byte[] key, Func<JsonElement, string> identify) : ICrashSink
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _delivered = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _ids = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _requests;
    private int _failed;
    private int _badSignatures;

    public int DeliveredAlerts => _delivered.Count;
    public int Requests => Volatile.Read(ref _requests);
    public int Failed => Volatile.Read(ref _failed);
    public int BadSignatures => Volatile.Read(ref _badSignatures);
    public int Repeats => _delivered.Values.Count(ids => ids.Values.Sum() > 1);

    public bool HasDelivered(string alert) => _delivered.ContainsKey(alert);

    public IReadOnlyList<string> AlertsWithSeveralIds() =>
        _ids.Where(a => a.Value.Count > 1).Select(a => $"{a.Key}: {string.Join(", ", a.Value.Keys)}").ToList();

    public FakeResponse Answer(RecordedRequest request)
    {
        Interlocked.Increment(ref _requests);
        var id = request.Header("webhook-id") ?? "";
        if (!SignatureIsValid(request, id))
        {
            Interlocked.Increment(ref _badSignatures);
            return new FakeResponse(400);
        }
        var alert = identify(request.Json);
        _ids.GetOrAdd(alert, _ => new())[id] = 0;
        var attempt = _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
        var bucket = Convert.ToInt32(id[^1..], 16) % 5;
        if (bucket == 0 && attempt == 1)
        {
            Interlocked.Increment(ref _failed);
            return new FakeResponse(500);
        }
        _delivered.GetOrAdd(alert, _ => new()).AddOrUpdate(id, 1, (_, n) => n + 1);
        return new FakeResponse(200) { Delay = bucket == 1 ? TimeSpan.FromMilliseconds(150) : TimeSpan.Zero };
    }

    private bool SignatureIsValid(RecordedRequest request, string id)
    {
        if (!long.TryParse(request.Header("webhook-timestamp"), out var timestamp)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) > 300) return false;
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(request.Body).ToArray();
        var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        return (request.Header("webhook-signature") ?? "").Split(' ')
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }
}
