using System.Text;
using System.Text.RegularExpressions;
using FalcoHook.Core.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary>What <c>/api/v1/inhibit-rules</c> and <c>/api/v1/time-intervals</c> share: names, and errors per field.</summary>
public static partial class AlertManagementProblems
{
    /// <summary>A name: a letter or digit, then letters, digits, <c>_ . -</c>; at most 64 characters.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public static ValidationProblem InvalidName(string name) => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["name"] = [$"'{name}' is not a valid name: a letter or digit, then letters, digits, '_', '.' or '-' (at most 64 characters)."],
    });

    /// <summary>
    /// The failures configuration's validation found, keyed by their JSON path: <c>SourceMatchers:0</c> becomes
    /// <c>sourceMatchers[0]</c>, <c>TimeIntervals:0:Times:1</c> becomes <c>timeIntervals[0].times[1]</c>.
    /// </summary>
    public static ValidationProblem From(OptionsFailures failures) => TypedResults.ValidationProblem(
        failures.Items.GroupBy(f => JsonPath(f.Key)).ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray()));

    public static string JsonPath(string key)
    {
        var path = new StringBuilder();
        foreach (var part in key.Split(':'))
        {
            if (part.Length > 0 && part.All(char.IsAsciiDigit)) path.Append('[').Append(part).Append(']');
            else
            {
                if (path.Length > 0) path.Append('.');
                path.Append(char.ToLowerInvariant(part[0])).Append(part.AsSpan(1));
            }
        }
        return path.ToString();
    }

    public static ProblemHttpResult NotFound(string what, string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what.ToLowerInvariant()} named '{name}'.");

    public static ProblemHttpResult ReadOnly(string what, string name, string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"{what} is read-only",
            detail: $"'{name}' comes from configuration ({key}); change it there.");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();
}
