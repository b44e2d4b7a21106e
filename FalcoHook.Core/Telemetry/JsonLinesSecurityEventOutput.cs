using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// Output <c>console-json</c>: each record as one JSON object on a line of its own, in the shape of the console's JSON
/// formatter (<c>Timestamp</c>, <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, <c>State</c>) with the
/// alert nested as an object in <c>State.Alert</c>:
/// <code>{"Timestamp":"2026-11-27T10:00:00.123Z","EventId":8000,"LogLevel":"Warning","Category":"FalcoHook.SecurityEvents",
/// "Message":"Falco alert R (Critical, source syscall, host node-7)","State":{"Rule":"R","Priority":"Critical",
/// "Source":"syscall","Hostname":"node-7","Alert":{"hostname":"node-7",…}}}</code>
/// A batch is formatted by one reused <see cref="Utf8JsonWriter"/> into one buffer and written to the stream with one
/// write (a batch past <see cref="MaxWriteBytes"/> in a few), then flushed. The alert's JSON is the one the inbox
/// stored (<see cref="FalcoAlert.ToJson"/>, kept on the alert), copied in, not serialised again.
/// </summary>
public sealed class JsonLinesSecurityEventOutput : ISecurityEventOutput
{
    /// <summary>A batch's buffer is written out when it holds this much, so it stays this size (plus one record).</summary>
    public const int MaxWriteBytes = 256 * 1024;

    private readonly Stream _stream;
    private readonly object _writeLock;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;

    /// <param name="stream">Where the lines go; not disposed here.</param>
    /// <param name="writeLock">Held while writing, when others write to the same stream under it.</param>
    public JsonLinesSecurityEventOutput(Stream stream, object? writeLock = null)
    {
        _stream = stream;
        _writeLock = writeLock ?? new object();
        _json = new Utf8JsonWriter(_buffer, FalcoAlert.WriterOptions);
    }

    /// <summary>
    /// Standard output, written under <see cref="Console.Out"/>'s lock: <see cref="Console.Out"/> is synchronised on
    /// itself and the console logger writes each of its messages with one call to it, so its lines and these do not
    /// interleave.
    /// </summary>
    public static JsonLinesSecurityEventOutput StandardOutput() => new(Console.OpenStandardOutput(), Console.Out);

    public void Write(IReadOnlyList<SecurityEvent> batch)
    {
        foreach (var record in batch)
        {
            Format(record);
            if (_buffer.WrittenCount >= MaxWriteBytes) WriteBuffer();
        }
        if (_buffer.WrittenCount > 0) WriteBuffer();
    }

    private void WriteBuffer()
    {
        try
        {
            lock (_writeLock)
            {
                _stream.Write(_buffer.WrittenSpan);
                _stream.Flush();
            }
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }

    private void Format(SecurityEvent record)
    {
        var alert = record.Alert;
        var priority = alert.Priority.ToFalcoString();
        var source = alert.Source ?? "unknown";
        var hostname = alert.Hostname ?? "";
        _json.Reset(_buffer);
        _json.WriteStartObject();
        Span<byte> timestamp = stackalloc byte[32];
        record.Time.UtcDateTime.TryFormat(timestamp, out var length, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        _json.WriteString(Names.Timestamp, timestamp[..length]);
        _json.WriteNumber(Names.EventId, SecurityEventLog.EventId);
        _json.WriteString(Names.LogLevel, record.Level == LogLevel.Warning ? Names.Warning : Names.Information);
        _json.WriteString(Names.Category, Names.CategoryValue);
        _json.WriteString(Names.Message, $"Falco alert {alert.Rule} ({priority}, source {source}, host {hostname})");
        _json.WriteStartObject(Names.State);
        _json.WriteString(Names.Rule, alert.Rule);
        _json.WriteString(Names.Priority, priority);
        _json.WriteString(Names.Source, source);
        _json.WriteString(Names.Hostname, hostname);
        _json.WritePropertyName(Names.Alert);
        _json.WriteRawValue(alert.ToJson(), skipInputValidation: true);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
    }

    private static class Names
    {
        public static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("Timestamp");
        public static readonly JsonEncodedText EventId = JsonEncodedText.Encode("EventId");
        public static readonly JsonEncodedText LogLevel = JsonEncodedText.Encode("LogLevel");
        public static readonly JsonEncodedText Warning = JsonEncodedText.Encode(nameof(Microsoft.Extensions.Logging.LogLevel.Warning));
        public static readonly JsonEncodedText Information = JsonEncodedText.Encode(nameof(Microsoft.Extensions.Logging.LogLevel.Information));
        public static readonly JsonEncodedText Category = JsonEncodedText.Encode("Category");
        public static readonly JsonEncodedText CategoryValue = JsonEncodedText.Encode(SecurityEventLog.Category);
        public static readonly JsonEncodedText Message = JsonEncodedText.Encode("Message");
        public static readonly JsonEncodedText State = JsonEncodedText.Encode("State");
        public static readonly JsonEncodedText Rule = JsonEncodedText.Encode("Rule");
        public static readonly JsonEncodedText Priority = JsonEncodedText.Encode("Priority");
        public static readonly JsonEncodedText Source = JsonEncodedText.Encode("Source");
        public static readonly JsonEncodedText Hostname = JsonEncodedText.Encode("Hostname");
        public static readonly JsonEncodedText Alert = JsonEncodedText.Encode("Alert");
    }
}
