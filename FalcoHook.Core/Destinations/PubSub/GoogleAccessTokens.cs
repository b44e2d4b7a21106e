using System.Collections.Concurrent;
using System.Text.Json;

namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>Why no access token could be had (the token endpoint refused the grant or could not be reached).</summary>
public sealed class GoogleTokenException(string message) : Exception(message);

/// <summary>
/// Access tokens from a service account's JWT bearer grant, one per destination, kept until five minutes before they
/// expire (on the injected clock) and then fetched again; one fetch at a time per destination. The grant is a form POST of
/// <c>grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer</c> and <c>assertion</c> to the key's <c>token_uri</c>, through
/// the destination's own HttpClient (its timeout and <c>Https</c> settings); the answer is <c>{"access_token",
/// "expires_in", "token_type"}</c>.
/// </summary>
public sealed class GoogleAccessTokens(IHttpClientFactory factory, TimeProvider time)
{
    public const string GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>
    /// A token for <paramref name="destination"/>: the kept one while it is fresh, else a new one from the key
    /// <paramref name="account"/> gives (read then, so a replaced key file counts from the next token on).
    /// </summary>
    public async Task<string> GetAsync(string destination, Func<GoogleServiceAccount> account, string scope, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(destination, _ => new Slot());
        if (slot.Fresh(time.GetUtcNow()) is { } kept) return kept;
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.Fresh(time.GetUtcNow()) is { } fetched) return fetched;
            var (token, lifetime) = await FetchAsync(destination, account(), scope, cancellationToken).ConfigureAwait(false);
            var margin = lifetime > RefreshMargin * 2 ? RefreshMargin : lifetime / 2;
            slot.Keep(new Kept(token, time.GetUtcNow() + lifetime - margin));
            return token;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Forgets the kept token of <paramref name="destination"/> (the API refused it): the next send fetches a new one.</summary>
    public void Forget(string destination)
    {
        if (_slots.TryGetValue(destination, out var slot)) slot.Keep(null);
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchAsync(string destination, GoogleServiceAccount account, string scope, CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent([new("grant_type", GrantType), new("assertion", account.Assertion(scope, time.GetUtcNow()))]);
        string body;
        int status;
        try
        {
            using var response = await factory.CreateClient(DestinationCatalog.HttpClientName(destination))
                .PostAsync(account.TokenUri, form, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await HttpOutcome.ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new GoogleTokenException($"the token endpoint {Redaction.Url(account.TokenUri)} did not answer: {e.Message}");
        }
        if (status is < 200 or >= 300) throw new GoogleTokenException($"the token endpoint refused the grant: {HttpOutcome.Describe(status, body)}");
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 } value)
            {
                var seconds = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var s) && s > 0 ? s : 3600;
                return (value, TimeSpan.FromSeconds(seconds));
            }
        }
        catch (JsonException)
        {
        }
        throw new GoogleTokenException("the token endpoint's answer has no access_token");
    }

    private sealed class Slot
    {
        private Kept? _kept;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Fresh(DateTimeOffset now) => Volatile.Read(ref _kept) is { } kept && now < kept.RefreshAt ? kept.Token : null;

        public void Keep(Kept? kept) => Volatile.Write(ref _kept, kept);
    }

    private sealed record Kept(string Token, DateTimeOffset RefreshAt);
}
