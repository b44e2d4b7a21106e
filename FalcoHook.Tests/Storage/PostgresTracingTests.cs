using System.Diagnostics;
using System.Net;
using System.Text;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>
/// Activity sources are listened to process-wide: these tests run alone (no other test's spans in the recording), with
/// a PostgreSQL server of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresTraceCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL traces";
}

/// <summary>With tracing on and PostgreSQL as the storage, Npgsql's command spans join the service's traces.</summary>
[Collection(PostgresTraceCollection.Name)]
public sealed class PostgresTracingTests(PostgresFixture fixture)
{
    [SkippableFact]
    public async Task Npgsql_command_spans_join_the_pipelines_trace_of_a_request_and_start_none_of_their_own()
    {
        PostgresServer.Require();
        var spans = new List<Activity>();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Storage:Provider", StorageOptions.Postgres)
            .With("FalcoHook:Storage:ConnectionString", await fixture.Server.CreateDatabaseAsync("tracing"))
            .WithSpansIn(spans);
        var client = factory.Client();

        // The request continues a trace of the test's own, so its spans are told apart from any other.
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(TestAlerts.Shell().ToJson(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        var answer = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        await Eventually.TrueAsync(() => Snapshot().Any(s => s.Source.Name == "Npgsql" && s.TraceId == trace && s.ParentSpanId != default), "an Npgsql command span in the POST's trace (the pipeline's outbox write)",
            detail: () => string.Join("; ", Snapshot().Select(s => $"{s.Source.Name}:{s.DisplayName}:{s.TraceId}:{s.ParentSpanId}")));

        // Commands outside a span of ours (the dispatcher's polls) start no trace; connection opens may.
        Assert.All(Snapshot().Where(s => s.Source.Name == "Npgsql" && !s.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal)),
            s => Assert.NotEqual(default, s.ParentSpanId));

        // The exporter appends from other threads; a copy is read while it may grow.
        Activity[] Snapshot()
        {
            while (true)
            {
                try { return [.. spans.ToArray().Where(s => s is not null)]; }
                catch (ArgumentException) { }
            }
        }
    }
}
