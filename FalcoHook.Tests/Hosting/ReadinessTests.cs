using System.Net;
using System.Text.Json.Nodes;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Hosting;

/// <summary>/readyz follows the storage: 503 while the database cannot be opened, 200 again once it can.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readiness_answers_503_while_storage_is_gone_and_recovers_when_it_is_back()
    {
        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        var database = factory.Services.GetRequiredService<SqliteDatabase>();
        var away = factory.DataDirectory + ".away";
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // The volume goes away: the directory holding the database is no longer there, and no pooled
            // connection (opened before) stands in for a new one.
            Directory.Move(factory.DataDirectory, away);
            SqliteConnection.ClearPool(connection);
        }
        try
        {
            var notReady = await client.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("application/problem+json", notReady.Content.Headers.ContentType?.MediaType);
            var problem = await notReady.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Contains("storage", (string)problem!["detail"]!, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode); // alive, only not ready
        }
        finally
        {
            Directory.Move(away, factory.DataDirectory);
        }

        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", (string)(await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["storage"]!);
    }
}
