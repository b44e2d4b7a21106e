using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Support;

/// <summary>What a fake answers: a status, a body and headers.</summary>
public sealed record FakeResponse(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>How long (real time) to hold the request before answering: for timeouts and in-flight sends.</summary>
    public TimeSpan Delay { get; init; }

    public static FakeResponse Ok(string body = "") => new(200, body);
}

/// <summary>One request the fake received, with the fake's clock reading when it arrived.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) standing in for Slack, PagerDuty or a webhook:
/// records every request and answers from a script (then <see cref="Default"/>).
/// </summary>
public sealed class FakeReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeResponse> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;
    private int _maxInFlight;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeReceiver(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
    }

    /// <summary>The answer once the script is used up.</summary>
    public FakeResponse Default { get; set; } = FakeResponse.Ok();

    /// <summary>When set, decides each answer from the request (before the script; null falls through to it).</summary>
    public Func<RecordedRequest, FakeResponse?>? Responder { get; set; }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public string Url(string pathAndQuery = "/") => new Uri(BaseUrl, pathAndQuery).ToString();

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public static async Task<FakeReceiver> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeReceiver(app, time ?? TimeProvider.System);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseUrl = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>The next answers, in order (e.g. 500, 500, 500; then <see cref="Default"/>).</summary>
    public FakeReceiver Script(params FakeResponse[] responses)
    {
        foreach (var response in responses) _script.Enqueue(response);
        return this;
    }

    /// <summary>The most requests this fake was handling at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxInFlight);

    private async Task HandleAsync(HttpContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
            if (Interlocked.CompareExchange(ref _maxInFlight, now, max) == max) break;
        try
        {
            await RespondAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task RespondAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
            headers, buffer.ToArray(), _time.GetUtcNow());
        TaskCompletionSource arrived;
        lock (_requests)
        {
            _requests.Add(request);
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
        var response = Responder?.Invoke(request) ?? (_script.TryDequeue(out var next) ? next : Default);
        if (response.Delay > TimeSpan.Zero)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try { await Task.Delay(response.Delay, either.Token); }
            catch (OperationCanceledException) { return; }
        }
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        if (response.Body.Length > 0) await context.Response.WriteAsync(response.Body);
    }

    /// <summary>Waits for each arrival until at least <paramref name="count"/> requests arrived (the timeout only bounds a failure).</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, int seconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            Task arrived;
            lock (_requests)
            {
                if (_requests.Count >= count) return _requests.ToList();
                arrived = _arrived.Task;
            }
            try { await arrived.WaitAsync(timeout.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"Expected {count} requests, got {Requests.Count}."); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
