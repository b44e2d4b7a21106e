using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Ingest;

/// <summary>Alert ingest needs no API key, so it pays for no authentication; endpoints with a policy still authenticate.</summary>
public sealed class IngestAuthenticationTests
{
    private const string Alert = """{"rule":"Auth-free","priority":"Notice","time":"2026-11-27T10:00:00Z","output":"x"}""";

    private static FalcoHookFactory Factory() => new FalcoHookFactory()
        .With("FalcoHook:Auth:ApiKeys:0:Name", "ops")
        .With("FalcoHook:Auth:ApiKeys:0:Key", "right-key")
        .With("FalcoHook:Auth:ApiKeys:0:Role", "write");

    [Fact]
    public async Task No_scheme_authenticates_every_request()
    {
        using var factory = Factory();
        _ = factory.CreateClient();
        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Null(await schemes.GetDefaultAuthenticateSchemeAsync());
        Assert.Equal("ApiKey", (await schemes.GetDefaultChallengeSchemeAsync())?.Name);
    }

    [Fact]
    public async Task Alerts_are_accepted_with_or_without_a_key_and_keyed_endpoints_still_check_it()
    {
        using var factory = Factory();
        var client = factory.CreateClient();
        foreach (var key in new[] { null, "wrong-key", "right-key" })
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(Alert, MediaTypeHeaderValue.Parse("application/json")) };
            if (key is not null) post.Headers.Add("X-Api-Key", key);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(post)).StatusCode);
        }

        async Task<HttpStatusCode> Silences(string? key)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/silences");
            if (key is not null) get.Headers.Add("X-Api-Key", key);
            return (await client.SendAsync(get)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await Silences("right-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await Silences(null)); // with keys configured, reads need one
        Assert.Equal(HttpStatusCode.Unauthorized, await Silences("wrong-key"));
    }
}
