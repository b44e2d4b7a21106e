using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Azure Event Hubs' REST "send batch events" operation as documented, on the test's clock: <c>POST /{hub}/messages</c> or
/// <c>/{hub}/partitions/{id}/messages</c> with <c>api-version=2014-01</c>, <c>Content-Type:
/// application/vnd.microsoft.servicebus.json</c> and a JSON array of events (<c>Body</c> a string, optional
/// <c>UserProperties</c> of plain values and <c>BrokerProperties</c>), at most <see cref="MaxBytes"/>; answered 201 with an
/// empty body. <c>Authorization: SharedAccessSignature sr&amp;sig&amp;se&amp;skn</c> must name the policy's key name, a
/// resource the hub is under, an expiry still ahead, and a signature that is the base64 HMAC-SHA256 (keyed with the
/// policy's key) of the encoded resource as sent, a newline and the expiry; else 401 as the service answers. Other rule
/// breaks are answered 400 and listed in <see cref="Malformed"/>.
/// </summary>
public sealed class EventHubsFake(string namespaceHost, string hub, string keyName, string key, TimeProvider time)
{
    private readonly ConcurrentQueue<HubEvent> _events = new();
    private readonly ConcurrentQueue<(int Count, int Bytes, long Expiry)> _requests = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _sends;

    public int MaxBytes { get; init; } = 1_048_576;

    /// <summary>When set, answers the n-th authorized send (counted from 1) instead of taking it; null takes it.</summary>
    public Func<int, FakeResponse?>? FailSend { get; set; }

    public IReadOnlyList<HubEvent> Events => _events.ToList();

    /// <summary>Each taken request: its event count, body size and the expiry (<c>se</c>) of its signature.</summary>
    public IReadOnlyList<(int Count, int Bytes, long Expiry)> Requests => _requests.ToList();

    public IReadOnlyList<string> Malformed => _problems.ToList();

    public FakeResponse Answer(RecordedRequest request)
    {
        var parts = request.Path.Trim('/').Split('/');
        string? partition = null;
        if (parts is [var ph, "partitions", var id, "messages"] && ph.Equals(hub, StringComparison.OrdinalIgnoreCase)) partition = id;
        else if (!(parts is [var h, "messages"] && h.Equals(hub, StringComparison.OrdinalIgnoreCase)))
            return Error(404, $"No service is hosted at the specified address {request.Path}.");
        if (request.Method != "POST") return Bad("method " + request.Method);
        if (Authorize(request.Header("Authorization")) is { } refusal) return refusal;
        if (!request.Query.Contains("api-version=2014-01", StringComparison.Ordinal)) return Bad("no api-version=2014-01 in " + request.Query);
        if (request.Header("Content-Type") != "application/vnd.microsoft.servicebus.json") return Bad("Content-Type " + request.Header("Content-Type"));
        if (FailSend?.Invoke(Interlocked.Increment(ref _sends)) is { } failure) return failure;
        if (request.Body.Length > MaxBytes) return Error(413, $"The received message (size={request.Body.Length} bytes) exceeds the limit ({MaxBytes} bytes).");
        JsonElement body;
        try { body = request.Json; }
        catch (JsonException) { return Bad("the body is not JSON"); }
        if (body.ValueKind != JsonValueKind.Array || body.GetArrayLength() == 0) return Bad("the body is not a non-empty array");
        var events = new List<HubEvent>();
        foreach (var item in body.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) return Bad("an event is not an object");
            if (item.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("Body" or "UserProperties" or "BrokerProperties")) is { } extra)
                return Bad("an event has the field " + extra);
            if (!item.TryGetProperty("Body", out var text) || text.ValueKind != JsonValueKind.String) return Bad("an event's Body is not a string");
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            if (item.TryGetProperty("UserProperties", out var user))
                foreach (var property in user.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array) return Bad($"user property {property.Name} is not a plain value");
                    properties[property.Name] = property.Value.ToString();
                }
            var partitionKey = item.TryGetProperty("BrokerProperties", out var broker) && broker.TryGetProperty("PartitionKey", out var pk) ? pk.GetString() : null;
            events.Add(new HubEvent(text.GetString()!, properties, partitionKey, partition));
        }
        foreach (var e in events) _events.Enqueue(e);
        _requests.Enqueue((events.Count, request.Body.Length, long.Parse(SasFields(request.Header("Authorization")!)["se"], CultureInfo.InvariantCulture)));
        return new FakeResponse(201);
    }

    /// <summary>Null when the signature is good; else the service's 401.</summary>
    private FakeResponse? Authorize(string? authorization)
    {
        const string scheme = "SharedAccessSignature ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.Ordinal)) return Unauthorized("MissingToken: the request has no SharedAccessSignature");
        var fields = SasFields(authorization);
        if (!fields.TryGetValue("sr", out var resource) || !fields.TryGetValue("sig", out var sig) || !fields.TryGetValue("se", out var se) || !fields.TryGetValue("skn", out var skn))
            return Unauthorized("InvalidSignature: the token lacks sr, sig, se or skn");
        if (Uri.UnescapeDataString(skn) != keyName) return Unauthorized($"InvalidSignature: no policy {skn}");
        var audience = Uri.UnescapeDataString(resource);
        var hubUrl = $"https://{namespaceHost}/{hub}";
        if (!hubUrl.StartsWith(audience.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) return Unauthorized($"InvalidAudience: the token is for {audience}, not {hubUrl}");
        if (!long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)) return Unauthorized("InvalidSignature: se is not a number");
        if (expiry <= time.GetUtcNow().ToUnixTimeSeconds()) return Unauthorized($"ExpiredToken: the token expired at {expiry}");
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(resource + "\n" + se)));
        return Uri.UnescapeDataString(sig) == expected ? null : Unauthorized("InvalidSignature: the signature does not match");
    }

    private static Dictionary<string, string> SasFields(string authorization) =>
        authorization["SharedAccessSignature ".Length..].Split('&').Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static FakeResponse Unauthorized(string detail) => Error(401, detail);

    /// <summary>An error as the service writes it: <c>&lt;Error&gt;&lt;Code&gt;…&lt;/Code&gt;&lt;Detail&gt;…&lt;/Detail&gt;&lt;/Error&gt;</c>.</summary>
    public static FakeResponse Error(int code, string detail) =>
        new(code, $"<Error><Code>{code}</Code><Detail>{System.Security.SecurityElement.Escape(detail)}</Detail></Error>",
            new Dictionary<string, string> { ["Content-Type"] = "application/xml; charset=utf-8" });

    private FakeResponse Bad(string problem)
    {
        _problems.Enqueue(problem);
        return Error(400, problem);
    }
}

/// <summary>One event the fake took: its body, user properties, partition key and the partition it was sent to.</summary>
public sealed record HubEvent(string Body, IReadOnlyDictionary<string, string> Properties, string? PartitionKey, string? PartitionId);
