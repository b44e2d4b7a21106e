using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace FalcoHook.Api.Ingest;

/// <summary>The formats ingest understands, from the request's Content-Type.</summary>
public enum BodyFormat { Unsupported, Json, Ndjson, Text }

/// <summary>Reads a request body whole, refusing it as soon as it passes a limit.</summary>
public static class RequestBody
{
    public static BodyFormat FormatOf(HttpRequest request)
    {
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

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = null; // our own limit below applies, whatever the server's default is
        var initial = request.ContentLength is { } length ? (int)length : 16 * 1024;
        using var buffer = new MemoryStream(initial);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
