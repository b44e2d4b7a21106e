using System.ComponentModel;
using FalcoHook.Core.Silences;
using FluentValidation;

namespace FalcoHook.Api.Endpoints;

/// <summary>One matcher: <c>{"name": "k8s.ns.name", "op": "=~", "value": "kube-.*"}</c>.</summary>
public sealed record MatcherDto(
    [property: Description("falco.rule, falco.priority, falco.source, falco.hostname, falco.tags, falco.output, or an output_fields key")] string? Name,
    [property: Description("=, !=, =~ or !~ (default =); regexes match the whole value")] string? Op,
    [property: Description("The value, or the regex for =~ and !~; a missing field has the value \"\"")] string? Value);

/// <summary>A new silence. StartsAt defaults to now (a start in the past becomes now, as in Alertmanager).</summary>
public sealed record CreateSilenceRequest(
    [property: Description("Every matcher must match for the silence to apply")] IReadOnlyList<MatcherDto>? Matchers,
    [property: Description("When the silence starts (default now)")] DateTimeOffset? StartsAt,
    [property: Description("When the silence ends; after startsAt and in the future")] DateTimeOffset? EndsAt,
    [property: Description("Who creates it")] string? CreatedBy,
    [property: Description("Why")] string? Comment);

public sealed record SilenceDto(
    string Id,
    IReadOnlyList<MatcherDto> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    string Comment,
    [property: Description("pending, active or expired")] string State,
    DateTimeOffset UpdatedAt)
{
    public static SilenceDto From(Silence silence, DateTimeOffset now) => new(
        silence.Id,
        silence.Matchers.Select(m => new MatcherDto(m.Name, SilenceMatcher.ToSymbol(m.Operator), m.Value)).ToList(),
        silence.StartsAt,
        silence.EndsAt,
        silence.CreatedBy,
        silence.Comment,
        silence.StateAt(now).ToString().ToLowerInvariant(),
        silence.UpdatedAt);
}

/// <summary>
/// At least one matcher; names and operators valid; regexes valid (NonBacktracking, anchored); not every matcher
/// may match "" (a silence must not silence everything); endsAt after startsAt and in the future; createdBy set.
/// Property names are the JSON names (<c>matchers[0].value</c>).
/// </summary>
public sealed class CreateSilenceRequestValidator : AbstractValidator<CreateSilenceRequest>
{
    /// <summary>Most matchers of one silence.</summary>
    public const int MaxMatchers = 64;

    /// <summary>Longest createdBy and comment, in characters.</summary>
    public const int MaxTextLength = 4096;

    public CreateSilenceRequestValidator(TimeProvider time)
    {
        RuleFor(r => r.Matchers).NotEmpty().WithMessage("At least one matcher is required.").OverridePropertyName("matchers");
        RuleFor(r => r.Matchers).Must(m => m!.Count <= MaxMatchers).When(r => r.Matchers is not null)
            .WithMessage($"A silence may have at most {MaxMatchers} matchers.").OverridePropertyName("matchers");
        RuleForEach(r => r.Matchers).NotNull().WithMessage("A matcher must be an object, not null.")
            .SetValidator(new MatcherValidator()).OverridePropertyName("matchers");
        RuleFor(r => r.Matchers)
            .Must(matchers => matchers!.Any(m => !MatchesEmpty(m)))
            .When(r => r.Matchers is { Count: > 0 } matchers && matchers.All(MatcherValidator.IsValid))
            .WithMessage("At least one matcher must not match the empty string, or the silence would match every alert.")
            .OverridePropertyName("matchers");
        RuleFor(r => r.CreatedBy).NotEmpty().WithMessage("createdBy is required.").OverridePropertyName("createdBy");
        RuleFor(r => r.CreatedBy).MaximumLength(MaxTextLength).OverridePropertyName("createdBy");
        RuleFor(r => r.Comment).MaximumLength(MaxTextLength).OverridePropertyName("comment");
        RuleFor(r => r.EndsAt).NotNull().WithMessage("endsAt is required.").OverridePropertyName("endsAt");
        RuleFor(r => r.EndsAt)
            .Must((r, endsAt) => endsAt > (r.StartsAt ?? time.GetUtcNow()))
            .When(r => r.EndsAt is not null)
            .WithMessage("endsAt must be after startsAt.")
            .OverridePropertyName("endsAt");
        RuleFor(r => r.EndsAt)
            .Must(endsAt => endsAt > time.GetUtcNow())
            .When(r => r.EndsAt is not null)
            .WithMessage("endsAt is in the past.")
            .OverridePropertyName("endsAt");
    }

    private static bool MatchesEmpty(MatcherDto? m) =>
        m is not null && MatcherValidator.TryCreate(m, out var matcher, out _) && matcher!.Matches("");
}

public sealed class MatcherValidator : AbstractValidator<MatcherDto>
{
    public MatcherValidator()
    {
        RuleFor(m => m.Name).NotEmpty().WithMessage("The matcher's name (a field) is required.").OverridePropertyName("name");
        RuleFor(m => m.Op)
            .Must(op => op is null || SilenceMatcher.TryParseOperator(op, out _))
            .WithMessage(m => $"Unknown operator '{m.Op}'; expected =, !=, =~ or !~.")
            .OverridePropertyName("op");
        RuleFor(m => m.Value).NotNull().WithMessage("The matcher's value is required (use \"\" for a missing field).").OverridePropertyName("value");
        RuleFor(m => m.Name).MaximumLength(MaxLength).OverridePropertyName("name");
        RuleFor(m => m.Value).MaximumLength(MaxLength).OverridePropertyName("value");
        RuleFor(m => m)
            .Must(m => TryCreate(m, out _, out _))
            .When(m => !string.IsNullOrWhiteSpace(m.Name) && m.Value is { Length: <= MaxLength } && SilenceMatcher.TryParseOperator(m.Op ?? "=", out _))
            .WithMessage(m => TryCreate(m, out _, out var error) ? "" : error!)
            .OverridePropertyName("value");
    }

    /// <summary>Longest matcher name and value (a regex), in characters.</summary>
    public const int MaxLength = 1024;

    public static bool IsValid(MatcherDto? m) => m is not null && TryCreate(m, out _, out _);

    public static bool TryCreate(MatcherDto m, out SilenceMatcher? matcher, out string? error)
    {
        matcher = null;
        error = "Invalid matcher.";
        return m.Name is not null && m.Value is not null && SilenceMatcher.TryParseOperator(m.Op ?? "=", out var op) &&
               SilenceMatcher.TryCreate(m.Name, op, m.Value, out matcher, out error);
    }
}
