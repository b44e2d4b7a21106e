using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Operations;

public sealed class SecurityEventLogTests
{
    /// <summary>A Falco alert as JSON, as Falco's http_output posts it (the security log's tests share it).</summary>
    /// <summary>
    /// Posts "Ops critical shell" (Critical) and "Ops info shell" (Informational) in one request, then "Ops sentinel"
    /// (Notice) through the same in-order drain, and waits until <paramref name="sentinelWritten"/>: then the two before
    /// it are written too.
    /// </summary>
    internal static async Task PostTwoThenSentinelAsync(HttpClient client, Func<bool> sentinelWritten)
    {
        var body = $"[{Alert("Ops critical shell", "Critical")},{Alert("Ops info shell", "Informational")}]";
        var response = await client.PostAsync("/", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sentinel = await client.PostAsync("/", new StringContent(Alert("Ops sentinel", "Notice"), MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, sentinel.StatusCode);
        await Eventually.TrueAsync(sentinelWritten, "the sentinel alert in the security event log");
    }

    internal static string Alert(string rule, string priority) => $$"""
        {"rule":"{{rule}}","priority":"{{priority}}","time":"2026-11-27T10:00:00.123456789Z","source":"syscall",
         "hostname":"node-7","output":"10:00:00.123456789: {{priority}} shell (user=root)","tags":["shell","T1059"],
         "output_fields":{"evt.time":1795773600123456789,"proc.cmdline":"sh -c \"id\"","k8s.ns.name":"prod"},
         "uuid":"5f0c7f43-2b65-4a4e-9b7a-0d0c9f1d2e3f"}
        """;

    [Fact]
    public async Task With_output_log_every_alert_is_one_ilogger_record_at_warning_or_information_with_its_json()
    {
        var logs = new LogCapture();
        using var factory = new FalcoHookFactory().With("FalcoHook:SecurityEvents:Output", "log");
        factory.WithServices(s => s.AddSingleton<ILoggerProvider>(logs));
        var client = factory.CreateClient();

        await PostTwoThenSentinelAsync(client,
            () => logs.InCategory(SecurityEventLog.Category).Any(r => Equals(r.Properties.GetValueOrDefault("Rule"), "Ops sentinel")));

        var records = logs.InCategory(SecurityEventLog.Category);
        var critical = Assert.Single(records, r => Equals(r.Properties.GetValueOrDefault("Rule"), "Ops critical shell"));
        var info = Assert.Single(records, r => Equals(r.Properties.GetValueOrDefault("Rule"), "Ops info shell"));
        Assert.Equal(LogLevel.Warning, critical.Level);
        Assert.Equal(LogLevel.Information, info.Level);
        Assert.Equal("SecurityEvent", critical.EventId.Name);

        Assert.Equal("Critical", critical.Properties["Priority"]);
        Assert.Equal("syscall", critical.Properties["Source"]);
        Assert.Equal("node-7", critical.Properties["Hostname"]);
        using var json = JsonDocument.Parse((string)critical.Properties["Alert"]!);
        var root = json.RootElement;
        Assert.Equal("Ops critical shell", root.GetProperty("rule").GetString());
        Assert.Equal("Critical", root.GetProperty("priority").GetString());
        Assert.Equal("2026-11-27T10:00:00.123456789Z", root.GetProperty("time").GetString());
        Assert.Equal("1795773600123456789", root.GetProperty("output_fields").GetProperty("evt.time").GetRawText());
        Assert.Equal("sh -c \"id\"", root.GetProperty("output_fields").GetProperty("proc.cmdline").GetString());
        Assert.Equal("5f0c7f43-2b65-4a4e-9b7a-0d0c9f1d2e3f", root.GetProperty("uuid").GetString());
        // The record parses back into the same alert.
        var reread = AlertReader.ReadJson(System.Text.Encoding.UTF8.GetBytes((string)info.Properties["Alert"]!));
        Assert.True(reread.Ok);
        Assert.Equal(Priority.Informational, Assert.Single(reread.Alerts).Priority);
    }

    [Theory]
    [InlineData(Priority.Emergency, LogLevel.Warning)]
    [InlineData(Priority.Alert, LogLevel.Warning)]
    [InlineData(Priority.Critical, LogLevel.Warning)]
    [InlineData(Priority.Error, LogLevel.Warning)]
    [InlineData(Priority.Warning, LogLevel.Warning)]
    [InlineData(Priority.Notice, LogLevel.Information)]
    [InlineData(Priority.Informational, LogLevel.Information)]
    [InlineData(Priority.Debug, LogLevel.Information)]
    public void Priority_warning_and_above_log_at_warning(Priority priority, LogLevel expected) =>
        Assert.Equal(expected, SecurityEventLog.LevelOf(priority));

    [Fact]
    public async Task The_alert_is_logged_even_when_the_pipeline_fails()
    {
        var logs = new LogCapture();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var handler = new SecurityEventLoggingHandler(new FailingHandler(), LoggedThrough(loggerFactory));
        var alert = new FalcoAlert { Rule = "R", Priority = Priority.Error, Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch) };

        await Assert.ThrowsAsync<InvalidOperationException>(() => handler.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None));

        await Eventually.TrueAsync(() => logs.InCategory(SecurityEventLog.Category).Count > 0, "the alert's record");
        var record = Assert.Single(logs.InCategory(SecurityEventLog.Category));
        Assert.Equal(LogLevel.Warning, record.Level);
    }

    [Fact]
    public async Task A_log_sink_that_stalls_never_blocks_the_writer_and_drops_past_the_queue_are_counted_and_logged_once()
    {
        var logs = new LogCapture();
        using var stalled = new StallingProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).AddProvider(stalled));
        var log = LoggedThrough(loggerFactory);
        FalcoAlert Alert(int i) => new() { Rule = $"R{i}", Priority = Priority.Error, Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch) };

        log.Write(Alert(0));
        Assert.True(stalled.Entered.Wait(TimeSpan.FromSeconds(30)), "the writer reached the stalled sink");
        for (var i = 1; i <= SecurityEventLog.Capacity + 5; i++) log.Write(Alert(i)); // returns although the sink is stuck

        Assert.Equal(5, log.Dropped);
        var warning = Assert.Single(logs.InCategory(SecurityEventLog.Category), r => r.EventId.Name == "SecurityEventsDropped");
        Assert.Equal(LogLevel.Warning, warning.Level);

        stalled.Release.Set();
        log.Dispose(); // flushes the queue
        var written = logs.InCategory(SecurityEventLog.Category).Count(r => r.EventId.Id == SecurityEventLog.EventId);
        Assert.Equal(SecurityEventLog.Capacity + 1, written);
    }

    private static SecurityEventLog LoggedThrough(ILoggerFactory loggerFactory) =>
        new(loggerFactory, new LoggerSecurityEventOutput(loggerFactory), TimeProvider.System);

    /// <summary>A log sink whose first security record blocks until released.</summary>
    private sealed class StallingProvider : ILoggerProvider, ILogger
    {
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != SecurityEventLog.EventId) return;
            Entered.Set();
            Release.Wait();
        }

        public void Dispose()
        {
            Release.Set();
        }
    }

    private sealed class FailingHandler : IAlertBatchHandler
    {
        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("pipeline down");
    }
}
