using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace FalcoHook.Api.Ingest;

/// <summary>The formats ingest understands, from the request's Content-Type.</summary>
public enum BodyFormat { Unsupported, Json, Ndjson, Text }

/// <summary>Why a body could not be read: too large, or the client stopped sending it (stalled or cut short).</summary>
public enum BodyFailure { None, TooLarge, TimedOut, Incomplete }

/// <summary>A body read whole, or why it could not be.</summary>
public readonly record struct BodyRead(byte[]? Body, BodyFailure Failure, string? Reason = null)
{
    public static BodyRead TooLarge => new(null, BodyFailure.TooLarge);
}

/// <summary>A body read whole into an array rented from the shared pool; disposing it gives the array back.</summary>
public sealed class PooledBody : IDisposable
{
    private byte[]? _array;

    internal PooledBody(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    /// <summary>The body; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Memory => _array is { } array ? array.AsMemory(0, Length) : throw new ObjectDisposedException(nameof(PooledBody));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array) ArrayPool<byte>.Shared.Return(array);
    }
}

/// <summary>Reads a request body whole, refusing it as soon as it passes a limit.</summary>
public static class RequestBody
{
    public static BodyFormat FormatOf(HttpRequest request)
    {
        // What Falco's http_output sends, without parsing the header or lower-casing it.
        if (string.Equals(request.ContentType, "application/json", StringComparison.OrdinalIgnoreCase)) return BodyFormat.Json;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)) return BodyFormat.Unsupported;
        var type = mediaType.MediaType.Value?.ToLowerInvariant();
        return type switch
        {
            "application/json" => BodyFormat.Json,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines"
                or "application/jsonlines" => BodyFormat.Ndjson,
            "text/plain" => BodyFormat.Text,
            _ when type is not null && type.EndsWith("+json", StringComparison.Ordinal) => BodyFormat.Json,
            _ => BodyFormat.Unsupported,
        };
    }

    /// <summary>
    /// The body; or <see cref="BodyFailure.TooLarge"/> past <paramref name="limit"/> bytes; or, when the server gave
    /// up on a client that stopped sending (Kestrel's <c>MinRequestBodyDataRate</c>: 408) or ended the body short of
    /// its Content-Length (400), <see cref="BodyFailure.TimedOut"/> or <see cref="BodyFailure.Incomplete"/>.
    /// </summary>
    /// <remarks>
    /// With a Content-Length (what Falco's http_output and kube-apiserver send) the body is read straight into one
    /// array of that size: no growing buffer, no 16 KB chunk per request. Without one it is read in pooled chunks.
    /// </remarks>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadWholeAsync(request, limit, cancellationToken).ConfigureAwait(false) is { } body
                ? new BodyRead(body, BodyFailure.None)
                : BodyRead.TooLarge;
        }
        catch (BadHttpRequestException e)
        {
            return new BodyRead(null, e.StatusCode == StatusCodes.Status408RequestTimeout ? BodyFailure.TimedOut : BodyFailure.Incomplete, e.Message);
        }
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, into an array rented from the shared pool (large bodies, such as audit batches,
    /// then allocate nothing per request); the caller disposes the body once nothing reads it any more.
    /// </summary>
    public static async Task<(PooledBody? Body, BodyRead Failure)> ReadPooledAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadPooledWholeAsync(request, limit, cancellationToken).ConfigureAwait(false) is { } body
                ? (body, default)
                : (null, BodyRead.TooLarge);
        }
        catch (BadHttpRequestException e)
        {
            return (null, new BodyRead(null, e.StatusCode == StatusCodes.Status408RequestTimeout ? BodyFailure.TimedOut : BodyFailure.Incomplete, e.Message));
        }
    }

    private static async Task<PooledBody?> ReadPooledWholeAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = null; // our own limit below applies, whatever the server's default is
        var length = request.ContentLength;
        var array = ArrayPool<byte>.Shared.Rent(length is { } known ? Math.Max(1, (int)known) : 16 * 1024);
        var filled = 0;
        try
        {
            // The server enforces Content-Length: it ends the body there, and fails a body that stops short.
            while (filled != length)
            {
                if (filled == array.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, 2L * array.Length));
                    array.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(array);
                    array = larger;
                }
                var n = await request.Body.ReadAsync(array.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
                if (filled > limit) return null;
            }
            var body = new PooledBody(array, filled);
            array = null;
            return body;
        }
        finally
        {
            if (array is not null) ArrayPool<byte>.Shared.Return(array);
        }
    }

    private static async Task<byte[]?> ReadWholeAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = null; // our own limit below applies, whatever the server's default is
        if (request.ContentLength is { } length)
        {
            // The server enforces Content-Length: it ends the body there, and fails a body that stops short.
            var exact = GC.AllocateUninitializedArray<byte>((int)length);
            var filled = 0;
            while (filled < exact.Length)
            {
                var n = await request.Body.ReadAsync(exact.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
            }
            return filled == exact.Length ? exact : exact[..filled];
        }
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}
