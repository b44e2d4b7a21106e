using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Operations;

/// <summary>The security event log's default output: JSON lines, one per alert, one write per batch.</summary>
public sealed class SecurityEventJsonLinesTests
{
    private static string Alert(string rule, string priority) => SecurityEventLogTests.Alert(rule, priority);

    private static FalcoAlert Numbered(int i, Priority priority = Priority.Error) =>
        new() { Rule = $"R{i}", Priority = priority, Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Output = $"alert {i}" };

    [Fact]
    public async Task Every_alert_is_one_json_line_with_the_alert_nested_as_an_object()
    {
        var output = new RecordingStream();
        using var factory = new FalcoHookFactory();
        factory.WithServices(s => s.AddSingleton<ISecurityEventOutput>(new JsonLinesSecurityEventOutput(output)));
        var client = factory.CreateClient();

        await SecurityEventLogTests.PostTwoThenSentinelAsync(client, () => output.Lines().Any(l => l.Contains("Ops sentinel", StringComparison.Ordinal)));

        var records = output.Lines().Select(l => JsonDocument.Parse(l).RootElement).ToList();
        JsonElement Single(string rule) => Assert.Single(records, r => r.GetProperty("State").GetProperty("Rule").GetString() == rule);
        var critical = Single("Ops critical shell");
        var info = Single("Ops info shell");
        Assert.Equal("Warning", critical.GetProperty("LogLevel").GetString());
        Assert.Equal("Information", info.GetProperty("LogLevel").GetString());
        Assert.Equal(SecurityEventLog.EventId, critical.GetProperty("EventId").GetInt32());
        Assert.Equal(SecurityEventLog.Category, critical.GetProperty("Category").GetString());
        Assert.Equal("Falco alert Ops critical shell (Critical, source syscall, host node-7)", critical.GetProperty("Message").GetString());
        Assert.True(DateTimeOffset.TryParse(critical.GetProperty("Timestamp").GetString(), out _));

        var state = critical.GetProperty("State");
        Assert.Equal("Critical", state.GetProperty("Priority").GetString());
        Assert.Equal("syscall", state.GetProperty("Source").GetString());
        Assert.Equal("node-7", state.GetProperty("Hostname").GetString());
        var alert = state.GetProperty("Alert");
        Assert.Equal(JsonValueKind.Object, alert.ValueKind);
        Assert.Equal("Ops critical shell", alert.GetProperty("rule").GetString());
        Assert.Equal("2026-11-27T10:00:00.123456789Z", alert.GetProperty("time").GetString());
        Assert.Equal("1795773600123456789", alert.GetProperty("output_fields").GetProperty("evt.time").GetRawText());
        Assert.Equal("sh -c \"id\"", alert.GetProperty("output_fields").GetProperty("proc.cmdline").GetString());
        Assert.Equal("5f0c7f43-2b65-4a4e-9b7a-0d0c9f1d2e3f", alert.GetProperty("uuid").GetString());
        // The nested alert parses back into the same alert.
        var reread = AlertReader.ReadJson(Encoding.UTF8.GetBytes(info.GetProperty("State").GetProperty("Alert").GetRawText()));
        Assert.True(reread.Ok);
        Assert.Equal(Priority.Informational, Assert.Single(reread.Alerts).Priority);
    }

    [Fact]
    public void Queued_records_are_written_in_batches_of_one_write_each_with_their_timestamp()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, 123, TimeSpan.Zero));
        var output = new RecordingStream(stallFirstWrite: true);
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new LogCapture()));
        var log = new SecurityEventLog(loggerFactory, new JsonLinesSecurityEventOutput(output), time);

        log.Write(Numbered(0));
        Assert.True(output.FirstWriteEntered.Wait(TimeSpan.FromSeconds(30)), "the writer reached the stream");
        var queued = SecurityEventLog.MaxBatch + 44;
        for (var i = 1; i <= queued; i++) log.Write(Numbered(i));
        output.Release.Set();
        log.Dispose();

        // The first record alone, then what queued behind it: a full batch and the rest.
        Assert.Equal([1, SecurityEventLog.MaxBatch, 44], output.LinesPerWrite());
        var rules = output.Lines().Select(l => JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("Rule").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, queued + 1).Select(i => $"R{i}"), rules);
        Assert.All(output.Lines(), l => Assert.Equal("2026-11-27T10:00:00.123Z", JsonDocument.Parse(l).RootElement.GetProperty("Timestamp").GetString()));
    }

    [Fact]
    public void A_batch_larger_than_the_write_limit_is_written_in_a_few_writes_of_whole_lines()
    {
        var output = new RecordingStream();
        var json = new JsonLinesSecurityEventOutput(output);
        var big = new string('x', 20_000);
        var batch = Enumerable.Range(0, 30).Select(i => new SecurityEvent(
            new FalcoAlert { Rule = $"R{i}", Priority = Priority.Error, Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Output = big },
            LogLevel.Warning, DateTimeOffset.UnixEpoch)).ToList();

        json.Write(batch);

        var perWrite = output.LinesPerWrite();
        Assert.InRange(perWrite.Count, 2, 4); // 30 × 20 KB over a 256 KB limit
        Assert.Equal(30, perWrite.Sum());
        Assert.All(output.Lines(), l => Assert.Equal(big, JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("Alert").GetProperty("output").GetString()));
    }

    [Fact]
    public void A_stalled_output_never_blocks_the_caller_and_drops_past_the_queue_are_counted_and_logged_once()
    {
        var logs = new LogCapture();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = meters.GetRequiredService<IMeterFactory>();
        using var metrics = new MetricRecorder(meterFactory);
        var output = new RecordingStream(stallFirstWrite: true);
        var log = new SecurityEventLog(loggerFactory, new JsonLinesSecurityEventOutput(output), TimeProvider.System, new FalcoHookTelemetry(meterFactory));

        log.Write(Numbered(0));
        Assert.True(output.FirstWriteEntered.Wait(TimeSpan.FromSeconds(30)), "the writer reached the stream");
        for (var i = 1; i <= SecurityEventLog.Capacity + 5; i++) log.Write(Numbered(i)); // returns although the stream is stuck

        Assert.Equal(5, log.Dropped);
        Assert.Equal(5, metrics.Sum("falcohook.security_events.dropped"));
        var warning = Assert.Single(logs.InCategory(SecurityEventLog.Category), r => r.EventId.Name == "SecurityEventsDropped");
        Assert.Equal(LogLevel.Warning, warning.Level);

        output.Release.Set();
        log.Dispose(); // flushes the queue
        Assert.Equal(SecurityEventLog.Capacity + 1, output.Lines().Count);
    }

    [Theory]
    [InlineData(LogLevel.Information, new[] { "R1", "R2" })]
    [InlineData(LogLevel.Warning, new[] { "R1" })]
    [InlineData(LogLevel.None, new string[0])]
    public void Logging_LogLevel_of_the_category_decides_which_records_are_written(LogLevel minimum, string[] expected)
    {
        var output = new RecordingStream();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new LogCapture()).AddFilter(SecurityEventLog.Category, minimum));
        var log = new SecurityEventLog(loggerFactory, new JsonLinesSecurityEventOutput(output), TimeProvider.System);

        log.Write(Numbered(1, Priority.Critical));
        log.Write(Numbered(2, Priority.Notice));
        log.Dispose();

        Assert.Equal(expected, output.Lines().Select(l => JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("Rule").GetString()));
    }

    [Theory]
    [InlineData(null, typeof(JsonLinesSecurityEventOutput), true)]
    [InlineData("console-json", typeof(JsonLinesSecurityEventOutput), true)]
    [InlineData("log", typeof(LoggerSecurityEventOutput), true)]
    [InlineData("none", null, false)]
    public void Output_setting_chooses_the_output_and_none_leaves_the_log_out_of_the_chain(string? setting, Type? outputType, bool inChain)
    {
        using var factory = new FalcoHookFactory();
        if (setting is not null) factory.With("FalcoHook:SecurityEvents:Output", setting);

        var chain = Assert.IsType<ObservedBatchHandler>(factory.Services.GetRequiredService<IAlertBatchHandler>());
        Assert.Equal(inChain, chain.Inner is SecurityEventLoggingHandler);
        if (outputType is not null) Assert.IsType(outputType, factory.Services.GetRequiredService<ISecurityEventOutput>());
    }

    [Fact]
    public void An_unknown_output_fails_start_up_naming_the_key()
    {
        using var factory = new FalcoHookFactory().With("FalcoHook:SecurityEvents:Output", "syslog");
        var error = Assert.Throws<OptionsValidationException>(() => factory.Services);
        Assert.Contains("FalcoHook:SecurityEvents:Output: must be 'console-json', 'log' or 'none' (got 'syslog').", error.Failures);
    }

    /// <summary>
    /// A real stream into memory that remembers each write's bytes; with <c>stallFirstWrite</c> its first write waits
    /// for <see cref="Release"/> (a console nobody reads).
    /// </summary>
    private sealed class RecordingStream(bool stallFirstWrite = false) : Stream
    {
        private readonly List<byte[]> _writes = [];
        public ManualResetEventSlim FirstWriteEntered { get; } = new();
        public ManualResetEventSlim Release { get; } = new(!stallFirstWrite);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            FirstWriteEntered.Set();
            Release.Wait();
            lock (_writes) _writes.Add(buffer.ToArray());
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public IReadOnlyList<int> LinesPerWrite()
        {
            lock (_writes) return _writes.Select(w => w.Count(b => b == (byte)'\n')).ToList();
        }

        public IReadOnlyList<string> Lines()
        {
            lock (_writes)
                return _writes.SelectMany(w => Encoding.UTF8.GetString(w).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
