using System.Diagnostics;
using System.Net;
using System.Text;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>With tracing on and PostgreSQL as the storage, Npgsql's command spans join the service's traces.</summary>
[Collection(PostgresCollection.Name)]
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

        var answer = await client.PostAsync("/", new StringContent(TestAlerts.Shell().ToJson(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        await Eventually.TrueAsync(() =>
        {
            var all = Snapshot();
            var request = all.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("POST", StringComparison.Ordinal));
            return request is not null && all.Any(s => s.Source.Name == "Npgsql" && s.TraceId == request.TraceId && s.ParentSpanId != default);
        }, "an Npgsql command span in the POST's trace (the pipeline's outbox write)",
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
