using BenchmarkDotNet.Attributes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace FalcoHook.Benchmarks;

/// <summary>
/// The security event log's writer, one operation = a batch of 64 records of the syscall alert (its JSON already
/// kept, as the inbox leaves it): the JSON-lines output (output <c>console-json</c>), and the <c>ILogger</c> output
/// (output <c>log</c>) as the console logger with its JSON formatter handles each record (formatted into a string,
/// then written). Both write to <see cref="Stream.Null"/>: the cost of formatting and handing over, not of a console.
/// </summary>
[MemoryDiagnoser]
public class SecurityEventBenchmarks
{
    private const int BatchSize = 64;
    private List<SecurityEvent> _batch = null!;
    private JsonLinesSecurityEventOutput _jsonLines = null!;
    private LoggerSecurityEventOutput _logged = null!;
    private ServiceProvider _services = null!;
    private ILoggerFactory _loggerFactory = null!;

    [GlobalSetup]
    public void Setup()
    {
        var body = System.Text.Encoding.UTF8.GetBytes(Inputs.Alerts().First(a => a.Contains("\"syscall\"", StringComparison.Ordinal)));
        var alert = AlertReader.ReadJson(body).Alerts[0];
        _ = alert.ToJson();
        _batch = Enumerable.Repeat(new SecurityEvent(alert, LogLevel.Warning, DateTimeOffset.UtcNow), BatchSize).ToList();
        _jsonLines = new JsonLinesSecurityEventOutput(Stream.Null);

        _services = new ServiceCollection().AddLogging(b => b.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.JsonWriterOptions = new() { Indented = false };
        })).BuildServiceProvider();
        var formatter = _services.GetServices<ConsoleFormatter>().First(f => f.Name == ConsoleFormatterNames.Json);
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FormattingProvider(formatter)));
        _logged = new LoggerSecurityEventOutput(_loggerFactory);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loggerFactory.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "64 records: ILogger, JSON console formatter, one write each")]
    public void Logged() => _logged.Write(_batch);

    [Benchmark(Description = "64 records: JSON lines, one write")]
    public void JsonLines() => _jsonLines.Write(_batch);

    /// <summary>What the console logger does with a record: format it into a string, then write the string.</summary>
    private sealed class FormattingProvider(ConsoleFormatter formatter) : ILoggerProvider
    {
        private readonly StreamWriter _console = new(Stream.Null) { AutoFlush = true };

        public ILogger CreateLogger(string categoryName) => new FormattingLogger(formatter, categoryName, _console);

        public void Dispose() => _console.Dispose();
    }

    private sealed class FormattingLogger(ConsoleFormatter formatter, string category, TextWriter console) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> format)
        {
            using var text = new StringWriter();
            formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, format), null, text);
            console.Write(text.ToString());
        }
    }
}
