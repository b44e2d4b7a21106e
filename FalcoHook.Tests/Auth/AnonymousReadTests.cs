using System.Net;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Auth;

/// <summary>
/// Alert data (deliveries, dead alerts, silences, rules) is read with a key; without one only from this machine,
/// and only while no key is configured. The in-memory server takes the client address from a test header.
/// </summary>
public sealed class AnonymousReadTests
{
    private const string Key = "reader-key-0123456789abcdef";

    public static TheoryData<string> AlertDataReads => new() { "/api/v1/deliveries", "/api/v1/inbox/dead", "/api/v1/silences", "/api/v1/rules" };

    [Theory]
    [MemberData(nameof(AlertDataReads))]
    public async Task Without_keys_a_read_from_another_address_is_401_and_from_loopback_is_answered(string path)
    {
        using var factory = Service();
        var client = factory.CreateClient();

        var remote = await GetAsync(client, path, "10.1.2.3");
        Assert.Equal(HttpStatusCode.Unauthorized, remote.StatusCode);
        Assert.Equal("application/problem+json", remote.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, path, "192.168.0.127")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, path, "::ffff:10.1.2.3")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, path, "127.0.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, path, "127.0.0.2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, path, "::1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, path, "::ffff:127.0.0.1")).StatusCode);
    }

    [Fact]
    public async Task With_a_key_configured_loopback_needs_it_too()
    {
        using var factory = Service().With("FalcoHook:Auth:ApiKeys:0:Name", "viewer")
            .With("FalcoHook:Auth:ApiKeys:0:Key", Key).With("FalcoHook:Auth:ApiKeys:0:Role", "read");
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "/api/v1/deliveries", "127.0.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/v1/deliveries", "127.0.0.1", Key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/api/v1/deliveries", "10.1.2.3", Key)).StatusCode);
    }

    [Theory]
    [InlineData("true", "10.1.2.3", HttpStatusCode.OK)]
    [InlineData("false", "127.0.0.1", HttpStatusCode.Unauthorized)]
    public async Task AllowAnonymousReads_opens_reads_to_everyone_or_closes_them_to_loopback_too(string allow, string address, HttpStatusCode expected)
    {
        using var factory = Service().With("FalcoHook:Auth:AllowAnonymousReads", allow);
        var client = factory.CreateClient();

        Assert.Equal(expected, (await GetAsync(client, "/api/v1/deliveries", address)).StatusCode);
    }

    [Theory]
    [InlineData(null, null, "loopback")]
    [InlineData("true", null, "AllowAnonymousReads is true")]
    [InlineData(null, Key, "need an API key (1 configured)")]
    public async Task Start_up_says_who_reads_without_a_key(string? allow, string? key, string expected)
    {
        var logs = new LogCapture();
        var factory = Service().WithServices(s => s.AddSingleton<ILoggerProvider>(logs));
        if (allow is not null) factory.With("FalcoHook:Auth:AllowAnonymousReads", allow);
        if (key is not null) factory.With("FalcoHook:Auth:ApiKeys:0:Name", "viewer").With("FalcoHook:Auth:ApiKeys:0:Key", key);
        using (factory)
        {
            _ = factory.CreateClient();
            var line = Assert.Single(logs.Records, r => r.Category.EndsWith("AuthStartupReport", StringComparison.Ordinal));
            Assert.Contains(expected, line.Message, StringComparison.Ordinal);
            Assert.Equal(allow == "true" ? LogLevel.Warning : LogLevel.Information, line.Level);
        }
    }

    private static FalcoHookFactory Service() =>
        new FalcoHookFactory().WithServices(s => s.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string remote, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(RemoteAddressFromHeader.Header, remote);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return await client.SendAsync(request);
    }
}
