using System.Text.Json;

// The ceiling: the least an ASP.NET Core endpoint can do with an alert — read the JSON body, parse it, answer 200.
// POST /durable is the durable floor (DurableFloor.cs): the same, plus a group-committed SQLite insert before the 200;
// POST /durable-file the same with a plain file and fsync instead of SQLite (FileFloor.cs); POST /durable-pg the same
// with a group commit to PostgreSQL (PostgresFloor.cs) when PostgresFloor (a connection string) is given.
// Also the fake webhook of bench/delivery.sh: POST /hook counts deliveries, GET /stats reports them (POST /_bulk and
// GET /bulk-stats the same for its batched sink).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapPost("/", ParseAsync);
app.MapPost("/k8s-audit", ParseAsync);

var floorPath = Path.Combine(builder.Configuration["FloorDirectory"] ?? Path.GetTempPath(), $"falcohook-floor-{Environment.ProcessId}.db");
var floor = new DurableFloor(floorPath);
var fileFloorPath = Path.ChangeExtension(floorPath, ".log");
var fileFloor = new FileFloor(fileFloorPath);
app.MapPost("/durable-file", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    var body = new byte[(int)(request.ContentLength ?? 0)];
    await request.Body.ReadExactlyAsync(body, cancellationToken);
    using (var document = JsonDocument.Parse(body))
        if (document.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) return Results.BadRequest();
    await fileFloor.AppendAsync(body, cancellationToken);
    return Results.Ok();
});
app.MapPost("/durable", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    var body = new byte[(int)(request.ContentLength ?? 0)];
    await request.Body.ReadExactlyAsync(body, cancellationToken);
    using (var document = JsonDocument.Parse(body))
        if (document.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) return Results.BadRequest();
    await floor.AppendAsync(body, cancellationToken);
    return Results.Ok();
});

var postgresFloor = builder.Configuration["PostgresFloor"] is { Length: > 0 } postgres ? new PostgresFloor(postgres) : null;
app.MapPost("/durable-pg", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    if (postgresFloor is null) return Results.NotFound();
    var body = new byte[(int)(request.ContentLength ?? 0)];
    await request.Body.ReadExactlyAsync(body, cancellationToken);
    using (var document = JsonDocument.Parse(body))
        if (document.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) return Results.BadRequest();
    await postgresFloor.AppendAsync(body, cancellationToken);
    return Results.Ok();
});

var stats = new HookStats();
app.MapPost("/hook", async (HttpRequest request) =>
{
    await request.Body.CopyToAsync(Stream.Null);
    stats.Record();
    return Results.Ok();
});
app.MapGet("/stats", () => Results.Text(stats.ToString()));

// The batched sink of bench/delivery.sh: an Elasticsearch-shaped POST /_bulk that counts the documents (one per
// action line pair) and answers every item created; GET /bulk-stats reports them.
var bulkStats = new HookStats();
app.MapPost("/_bulk", async (HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    var lines = 0;
    while (await reader.ReadLineAsync() is { } line) if (line.Length > 0) lines++;
    var items = lines / 2;
    bulkStats.Record(items);
    var answer = new System.Text.StringBuilder("{\"took\":1,\"errors\":false,\"items\":[");
    for (var i = 0; i < items; i++) answer.Append(i == 0 ? "" : ",").Append("{\"create\":{\"status\":201}}");
    return Results.Text(answer.Append("]}").ToString(), "application/json");
});
app.MapGet("/bulk-stats", () => Results.Text(bulkStats.ToString()));
app.MapGet("/ping", () => "pong");

app.Run();

await floor.DisposeAsync();
await fileFloor.DisposeAsync();
if (postgresFloor is not null) await postgresFloor.DisposeAsync();
foreach (var file in new[] { floorPath, floorPath + "-wal", floorPath + "-shm", fileFloorPath }) File.Delete(file);

static async Task<IResult> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
{
    using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
    return document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array
        ? Results.Ok()
        : Results.BadRequest();
}

/// <summary>Deliveries received and when the first and last arrived (Unix milliseconds).</summary>
internal sealed class HookStats
{
    private long _count;
    private long _first;
    private long _last;

    public void Record(long deliveries = 1)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Interlocked.CompareExchange(ref _first, now, 0);
        Interlocked.Exchange(ref _last, now);
        Interlocked.Add(ref _count, deliveries);
    }

    public override string ToString() =>
        $"count={Interlocked.Read(ref _count)} first_ms={Interlocked.Read(ref _first)} last_ms={Interlocked.Read(ref _last)}\n";
}
