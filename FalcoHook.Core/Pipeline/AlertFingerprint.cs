using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The identity of an alert for dedup and the PagerDuty <c>dedup_key</c>: the first 32 hex digits (128 bits) of
/// SHA-256 over rule, source, hostname and the chosen output fields (key and text value, keys in ordinal order),
/// each length-prefixed. Stable across processes and restarts (no <c>string.GetHashCode</c>).
/// </summary>
public sealed class AlertFingerprint
{
    private readonly HashSet<string>? _fields;

    /// <param name="fields">The output_fields keys to cover; null: all but per-event keys (<see cref="AlertFields.IsPerEventField"/>).</param>
    public AlertFingerprint(IEnumerable<string>? fields = null) =>
        _fields = fields is null ? null : new HashSet<string>(fields, StringComparer.Ordinal);

    public string Compute(FalcoAlert alert)
    {
        var parts = new List<string?> { alert.Rule, alert.Source, alert.Hostname };
        if (alert.OutputFields is { } outputFields)
        {
            foreach (var key in outputFields.Keys.Where(Covers).Order(StringComparer.Ordinal))
            {
                parts.Add(key);
                parts.Add(AlertFields.ToText(outputFields[key]));
            }
        }
        return Hash(parts);
    }

    private bool Covers(string key) => _fields?.Contains(key) ?? !AlertFields.IsPerEventField(key);

    /// <summary>The same hash over any list of strings (null and "" differ).</summary>
    public static string Hash(IEnumerable<string?> parts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            if (part is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(length, -1);
                sha.AppendData(length);
                continue;
            }
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            sha.AppendData(length);
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16));
    }
}
