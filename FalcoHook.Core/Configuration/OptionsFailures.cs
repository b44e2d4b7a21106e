using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Configuration;

/// <summary>
/// What an options validator found wrong, each failure naming its full key (<c>FalcoHook:Delivery:MaxAttempts: must
/// be at least 1 (got 0).</c>). Every section's <see cref="IValidateOptions{TOptions}"/> reports through one.
/// </summary>
public sealed class OptionsFailures(string section)
{
    private readonly List<string> _failures = [];
    private readonly List<(string Key, string Message)> _items = [];

    /// <summary>Adds <c>section:key: message</c>.</summary>
    public void Add(string key, string message)
    {
        _failures.Add($"{section}:{key}: {message}");
        _items.Add((key, message));
    }

    /// <summary>Each failure's key (without the section) and message, for an API that reports them per field.</summary>
    public IReadOnlyList<(string Key, string Message)> Items => _items;

    public void AtLeast(string key, long value, long minimum)
    {
        if (value < minimum) Add(key, $"must be at least {minimum} (got {value}).");
    }

    public void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) Add(key, $"must be a positive duration such as 00:01:00 (got {value}).");
    }

    public void NotNegative(string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero) Add(key, $"must not be negative (got {value}).");
    }

    public void Required(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(key, "is required.");
    }

    /// <summary>Adds <c>section:key:i: must not be empty.</c> for each blank item.</summary>
    public void NoBlankItems(string key, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
            if (string.IsNullOrWhiteSpace(values[i])) Add($"{key}:{i}", "must not be empty.");
    }

    public ValidateOptionsResult Result =>
        _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}
