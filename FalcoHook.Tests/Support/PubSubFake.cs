using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Google's OAuth 2.0 token endpoint and the Pub/Sub REST <c>publish</c> method as documented, on one fake, on the test's
/// clock. The token endpoint (<c>POST /token</c>, a form of <c>grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer</c> and
/// <c>assertion</c>) checks the JWT: RS256 and verified with the service account's public key, <c>iss</c> the account's
/// e-mail, <c>scope</c> Pub/Sub's, <c>aud</c> the token URI, <c>iat</c> within a minute of now and <c>exp</c> at most an
/// hour after it; it answers <c>{"access_token","expires_in":3599,"token_type":"Bearer"}</c>. Publish (<c>POST
/// /v1/projects/{project}/topics/{topic}:publish</c>) takes only a bearer token it issued that has not expired (else 401
/// <c>UNAUTHENTICATED</c>), <c>Content-Type: application/json</c> and <c>{"messages":[…]}</c> of 1 to 1,000 messages and at
/// most 10 MB, each with base64 <c>data</c>, string <c>attributes</c> within Pub/Sub's limits (at most 100, keys of at most
/// 256 bytes not starting with <c>goog</c>, values of at most 1,024 bytes) and one <c>orderingKey</c> for the request; it
/// answers <c>{"messageIds":[…]}</c>. Rule breaks are answered 400 <c>INVALID_ARGUMENT</c> (Google's error JSON) and
/// listed in <see cref="Malformed"/>.
/// </summary>
public sealed class PubSubFake(string project, string topic, RSA publicKey, string clientEmail, TimeProvider time)
{
    public const string Scope = "https://www.googleapis.com/auth/pubsub";
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(3599);

    private readonly ConcurrentQueue<PublishedMessage> _published = new();
    private readonly ConcurrentQueue<(string Token, int Count)> _requests = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentQueue<int> _attempted = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonElement> _claims = new();
    private int _publishes;

    /// <summary>The token URI the service account names (set once the fake's address is known).</summary>
    public string TokenUri { get; set; } = "";

    /// <summary>When set, answers the n-th publish request (counted from 1) instead of taking it; null takes it.</summary>
    public Func<int, FakeResponse?>? FailPublish { get; set; }

    public IReadOnlyList<PublishedMessage> Published => _published.ToList();

    /// <summary>Each taken publish request: the token it carried and its message count.</summary>
    public IReadOnlyList<(string Token, int Count)> Requests => _requests.ToList();

    public IReadOnlyList<string> Malformed => _problems.ToList();

    /// <summary>The message count of every authorized publish request, taken or failed on cue, in arrival order.</summary>
    public IReadOnlyList<int> Attempted => _attempted.ToList();

    /// <summary>The claims of every assertion the token endpoint granted.</summary>
    public IReadOnlyList<JsonElement> Grants => _claims.ToList();

    public int Publishes => Volatile.Read(ref _publishes);

    /// <summary>As the Pub/Sub emulator: publish takes requests without a token, and the fake checks that none is sent.</summary>
    public bool Emulator { get; init; }

    /// <summary>Refuses every token issued so far (as a revoked key would): publish answers them 401.</summary>
    public void RevokeTokens() => _tokens.Clear();

    public FakeResponse Answer(RecordedRequest request) => request.Path == "/token" ? Token(request) : Publish(request);

    private FakeResponse Token(RecordedRequest request)
    {
        if (request.Method != "POST" || request.Header("Content-Type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
            return Bad("token request is not a form POST");
        var form = request.BodyText.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        if (form.GetValueOrDefault("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") return Bad("grant_type " + form.GetValueOrDefault("grant_type"));
        var parts = form.GetValueOrDefault("assertion")?.Split('.') ?? [];
        if (parts.Length != 3) return Bad("the assertion is not a JWT");
        var header = JsonDocument.Parse(Base64Url(parts[0])).RootElement;
        var claims = JsonDocument.Parse(Base64Url(parts[1])).RootElement.Clone();
        if (header.GetProperty("alg").GetString() != "RS256") return Bad("alg " + header.GetProperty("alg"));
        if (!publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            return new FakeResponse(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}", JsonType);
        if (claims.GetProperty("iss").GetString() != clientEmail) return Bad("iss " + claims.GetProperty("iss"));
        if (claims.GetProperty("aud").GetString() != TokenUri) return Bad("aud " + claims.GetProperty("aud"));
        if (claims.GetProperty("scope").GetString() != Scope) return Bad("scope " + claims.GetProperty("scope"));
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var issued = claims.GetProperty("iat").GetInt64();
        var expires = claims.GetProperty("exp").GetInt64();
        if (Math.Abs(issued - now) > 60) return Bad($"iat {issued} is not now ({now})");
        if (expires <= issued || expires - issued > 3600) return Bad($"exp {expires} is not within an hour after iat {issued}");
        _claims.Enqueue(claims);
        var token = "ya29.fake-" + Guid.NewGuid().ToString("N");
        _tokens[token] = time.GetUtcNow() + TokenLifetime;
        return new FakeResponse(200, JsonSerializer.Serialize(new { access_token = token, expires_in = (int)TokenLifetime.TotalSeconds, token_type = "Bearer" }), JsonType);
    }

    private FakeResponse Publish(RecordedRequest request)
    {
        if (request.Method != "POST" || request.Path != $"/v1/projects/{project}/topics/{topic}:publish")
            return GoogleError(404, "NOT_FOUND", $"Resource not found (resource={request.Path}).");
        var authorization = request.Header("Authorization") ?? "";
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : "";
        if (Emulator && authorization.Length > 0) return Bad("a token sent to the emulator");
        if (!Emulator && (!_tokens.TryGetValue(token, out var expiry) || time.GetUtcNow() >= expiry))
            return GoogleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
        if (request.Header("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) != true) return Bad("Content-Type " + request.Header("Content-Type"));
        if (request.Json.TryGetProperty("messages", out var sent) && sent.ValueKind == JsonValueKind.Array) _attempted.Enqueue(sent.GetArrayLength());
        if (FailPublish?.Invoke(Interlocked.Increment(ref _publishes)) is { } failure) return failure;
        if (request.Body.Length > 10_000_000) return Bad("request over 10 MB");
        if (Shape(request.Json) is { } problem) return Bad(problem);
        var messages = request.Json.GetProperty("messages").EnumerateArray().ToList();
        var ids = new List<string>();
        foreach (var message in messages)
        {
            var data = Encoding.UTF8.GetString(Convert.FromBase64String(message.GetProperty("data").GetString()!));
            var attributes = message.TryGetProperty("attributes", out var a) ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];
            var key = message.TryGetProperty("orderingKey", out var k) ? k.GetString() : null;
            _published.Enqueue(new PublishedMessage(data, attributes, key));
            ids.Add((1000 + _published.Count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        _requests.Enqueue((token, messages.Count));
        return new FakeResponse(200, JsonSerializer.Serialize(new { messageIds = ids }), JsonType);
    }

    /// <summary>What is wrong with a publish body, by the PublishRequest and PubsubMessage references and the resource limits.</summary>
    private static string? Shape(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || body.EnumerateObject().Any(p => p.Name != "messages")) return "the body has other fields than messages";
        if (!body.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array) return "messages is not an array";
        if (list.GetArrayLength() is 0 or > 1000) return list.GetArrayLength() + " messages";
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in list.EnumerateArray())
        {
            if (message.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => name is not ("data" or "attributes" or "orderingKey")) is { } extra)
                return $"a message has the field {extra} (messageId and publishTime are the server's)";
            if (!message.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String) return "a message has no data";
            try { Convert.FromBase64String(data.GetString()!); }
            catch (FormatException) { return "data is not base64"; }
            if (message.TryGetProperty("attributes", out var attributes))
            {
                if (attributes.ValueKind != JsonValueKind.Object) return "attributes is not a map";
                var count = 0;
                foreach (var attribute in attributes.EnumerateObject())
                {
                    count++;
                    if (attribute.Value.ValueKind != JsonValueKind.String) return $"attribute {attribute.Name} is not a string";
                    if (attribute.Name.StartsWith("goog", StringComparison.Ordinal)) return $"attribute {attribute.Name} starts with goog";
                    if (Encoding.UTF8.GetByteCount(attribute.Name) > 256) return $"attribute key {attribute.Name} over 256 bytes";
                    if (Encoding.UTF8.GetByteCount(attribute.Value.GetString()!) > 1024) return $"attribute {attribute.Name} value over 1024 bytes";
                }
                if (count > 100) return count + " attributes";
            }
            keys.Add(message.TryGetProperty("orderingKey", out var key) ? key.GetString() ?? "" : "");
        }
        return keys.Count > 1 ? "messages of one request have different ordering keys" : null;
    }

    /// <summary>An error as Google's APIs write it: <c>{"error":{"code","message","status"}}</c>.</summary>
    public static FakeResponse GoogleError(int code, string status, string message = "refused by the test") =>
        new(code, JsonSerializer.Serialize(new { error = new { code, message, status } }), JsonType);

    private FakeResponse Bad(string message)
    {
        _problems.Enqueue(message);
        return GoogleError(400, "INVALID_ARGUMENT", message);
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }

    private static readonly Dictionary<string, string> JsonType = new() { ["Content-Type"] = "application/json" };
}

/// <summary>One message the fake published: its data as text, its attributes and its ordering key.</summary>
public sealed record PublishedMessage(string Data, IReadOnlyDictionary<string, string> Attributes, string? OrderingKey);
