using System.Net;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// Turns an HTTP answer or failure into a <see cref="SendResult"/>: 2xx delivered (a type may look closer at
/// the body), 408, 429 and 5xx retryable with the receiver's <c>Retry-After</c>, every other status permanent.
/// </summary>
public static class HttpOutcome
{
    private const int MaxBodyInError = 300;

    public static async Task<SendResult> FromResponseAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken,
        Func<int, string, SendResult?>? special = null)
    {
        var status = (int)response.StatusCode;
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        if (special?.Invoke(status, body) is { } decided) return decided;
        if (status is >= 200 and < 300) return SendResult.Delivered;
        var error = Describe(status, body);
        return IsRetryable(response.StatusCode)
            ? SendResult.Retry(error, RetryAfter(response, time))
            : SendResult.Permanent(error);
    }

    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public static string Describe(int status, string body)
    {
        var text = body.Trim().ReplaceLineEndings(" ");
        if (text.Length > MaxBodyInError) text = text[..MaxBodyInError] + "…";
        return text.Length == 0 ? $"HTTP {status}" : $"HTTP {status}: {text}";
    }

    /// <summary><c>Retry-After</c> as seconds or an HTTP date, relative to now on <paramref name="time"/>.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    public static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return text.Length > 4096 ? text[..4096] : text;
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    /// <summary>
    /// A transport failure or a timeout of one attempt (Refit wraps them in its ApiRequestException): always
    /// worth another try.
    /// </summary>
    public static SendResult FromException(Exception exception, DestinationOptions destination)
    {
        var inner = exception;
        while (inner is not (HttpRequestException or TaskCanceledException or TimeoutException) && inner.InnerException is not null)
            inner = inner.InnerException;
        return inner switch
        {
            TaskCanceledException or TimeoutException => SendResult.Retry($"timed out after {destination.Timeout.TotalSeconds:0.###} s"),
            HttpRequestException http => SendResult.Retry("connection failed: " + http.Message),
            _ => SendResult.Retry(exception.GetType().Name + ": " + exception.Message),
        };
    }
}
