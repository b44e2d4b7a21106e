using System.Globalization;
using FalcoHook.Core.Alerts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Ingest;

/// <summary>The answer to an ingest request that was taken: how many alerts are now ours.</summary>
public sealed record AcceptedAlerts(int Accepted);

/// <summary>The problem+json answers ingest gives, written once so every endpoint words them alike.</summary>
public static class IngestResults
{
    public static ValidationProblem Invalid(IReadOnlyList<AlertError> errors, string what)
    {
        var byField = errors
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        return TypedResults.ValidationProblem(byField,
            title: $"The {what} is not valid.",
            detail: $"Nothing was accepted: {errors.Count} problem(s). Each key names the field; [i] is the item's index.",
            type: "https://falcohook.dev/problems/invalid-body");
    }

    public static ProblemHttpResult TooLarge(long limit, string key) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "The body is too large.",
        detail: $"The body is larger than {limit} bytes (configured by {key}). Nothing was accepted.",
        type: "https://falcohook.dev/problems/body-too-large");

    public static ProblemHttpResult TimedOut() => TypedResults.Problem(
        statusCode: StatusCodes.Status408RequestTimeout,
        title: "The body did not arrive in time.",
        detail: "The client stopped sending the body before its Content-Length was reached. Nothing was accepted.",
        type: "https://falcohook.dev/problems/body-timeout");

    public static ProblemHttpResult Incomplete() => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "The body ended early.",
        detail: "The body ended before its Content-Length was reached. Nothing was accepted.",
        type: "https://falcohook.dev/problems/body-incomplete");

    public static ProblemHttpResult UnsupportedType(string? contentType, string accepted) => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Unsupported content type.",
        detail: $"Content-Type '{contentType ?? "(none)"}' is not accepted here; send {accepted}.",
        type: "https://falcohook.dev/problems/unsupported-media-type");

    public static ProblemHttpResult Overloaded(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "FalcoHook is busy.",
            detail: $"The inbox is full; nothing was accepted. Retry after {retryAfterSeconds} seconds.",
            type: "https://falcohook.dev/problems/overloaded");
    }

    public static ProblemHttpResult StorageUnavailable(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "FalcoHook cannot store alerts right now.",
            detail: $"The database did not confirm the write, so the alerts are not taken; send them again after {retryAfterSeconds} seconds.",
            type: "https://falcohook.dev/problems/storage-unavailable");
    }
}
