using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The identity of an alert for dedup and the PagerDuty <c>dedup_key</c>: the first 32 hex digits (128 bits) of
/// SHA-256 over rule, source, hostname and the chosen output fields (key and text value, keys in ordinal order),
/// each length-prefixed. Stable across processes and restarts (no <c>string.GetHashCode</c>).
/// </summary>
/// <remarks>
/// The hashed bytes are laid out in one pooled buffer and hashed in one call: each part is its UTF-8 length as a
/// big-endian int (-1 for null) followed by its UTF-8 bytes. A JSON string value without escapes is copied as the
/// UTF-8 it arrived as (the same bytes its text encodes to); numbers and booleans are their JSON text.
/// </remarks>
public sealed class AlertFingerprint
{
    private readonly HashSet<string>? _fields;

    /// <param name="fields">The output_fields keys to cover; null: all but per-event keys (<see cref="AlertFields.IsPerEventField"/>).</param>
    public AlertFingerprint(IEnumerable<string>? fields = null) =>
        _fields = fields is null ? null : new HashSet<string>(fields, StringComparer.Ordinal);

    public string Compute(FalcoAlert alert)
    {
        var fields = alert.OutputFields;
        var keys = ArrayPool<string>.Shared.Rent(fields?.Count ?? 0);
        var buffer = new HashBuffer(512);
        try
        {
            var count = 0;
            if (fields is not null)
                foreach (var key in fields.Keys)
                    if (Covers(key)) keys[count++] = key;
            Array.Sort(keys, 0, count, StringComparer.Ordinal);

            buffer.Add(alert.Rule);
            buffer.Add(alert.Source);
            buffer.Add(alert.Hostname);
            for (var i = 0; i < count; i++)
            {
                buffer.Add(keys[i]);
                buffer.Add(fields![keys[i]]);
            }
            return buffer.Hash();
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
            buffer.Dispose();
        }
    }

    private bool Covers(string key) => _fields?.Contains(key) ?? !AlertFields.IsPerEventField(key);

    /// <summary>The same hash over any list of strings (null and "" differ).</summary>
    public static string Hash(IEnumerable<string?> parts)
    {
        var buffer = new HashBuffer(256);
        try
        {
            foreach (var part in parts) buffer.Add(part);
            return buffer.Hash();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>The length-prefixed parts, in a buffer from the shared pool.</summary>
    private struct HashBuffer(int capacity) : IDisposable
    {
        private byte[] _bytes = ArrayPool<byte>.Shared.Rent(capacity);
        private int _length;

        public void Add(string? part)
        {
            if (part is null)
            {
                Prefix(-1);
                return;
            }
            var start = Reserve(4 + Encoding.UTF8.GetMaxByteCount(part.Length));
            var written = Encoding.UTF8.GetBytes(part, _bytes.AsSpan(start + 4));
            BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(start), written);
            _length = start + 4 + written;
        }

        /// <summary>A field value as <see cref="AlertFields.ToText"/> gives it, without making the string when it can.</summary>
        public void Add(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                    var raw = JsonMarshal.GetRawUtf8Value(value); // with its quotes
                    if (raw.IndexOf((byte)'\\') < 0) Add(raw[1..^1]);
                    else Add(value.GetString());
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    Add(JsonMarshal.GetRawUtf8Value(value));
                    break;
                default:
                    Add(AlertFields.ToText(value));
                    break;
            }
        }

        private void Add(ReadOnlySpan<byte> utf8)
        {
            var start = Reserve(4 + utf8.Length);
            BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(start), utf8.Length);
            utf8.CopyTo(_bytes.AsSpan(start + 4));
            _length = start + 4 + utf8.Length;
        }

        private void Prefix(int value)
        {
            var start = Reserve(4);
            BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(start), value);
            _length = start + 4;
        }

        /// <summary>Makes room for <paramref name="size"/> more bytes; returns where they start.</summary>
        private int Reserve(int size)
        {
            if (_length + size > _bytes.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, _length + size));
                _bytes.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_bytes);
                _bytes = larger;
            }
            return _length;
        }

        public readonly string Hash()
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(_bytes.AsSpan(0, _length), hash);
            return Convert.ToHexStringLower(hash[..16]);
        }

        public void Dispose()
        {
            if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }
}
