using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A logger provider that keeps every record, at every level, with its structured properties and exception: tests
/// look up records by category or event id, or search all the text (for a leaked secret, say).
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _records = new();

    public IReadOnlyList<CapturedLog> Records => [.. _records];

    public IReadOnlyList<CapturedLog> InCategory(string category) => Records.Where(r => r.Category == category).ToList();

    /// <summary>Each record as one line of text: level, category, message, properties and exception.</summary>
    public IReadOnlyList<string> Lines => Records.Select(r => r.ToString()).ToList();

    public string AllText => string.Join("\n", Lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (key, value) in pairs) properties[key] = value;
            owner._records.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), properties, exception));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message,
    IReadOnlyDictionary<string, object?> Properties, Exception? Exception = null)
{
    public override string ToString() =>
        $"{Level} {Category}: {Message} [{string.Join(", ", Properties.Select(p => $"{p.Key}={p.Value}"))}] {Exception}";
}
