using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations;

/// <summary>The named map <c>FalcoHook:Destinations</c>: each destination's shared keys and its type's own settings.</summary>
public sealed class DestinationsOptions
{
    public const string Section = "FalcoHook:Destinations";

    /// <summary>The shared keys of each destination, by name.</summary>
    public Dictionary<string, DestinationOptions> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>Each destination's own keys, bound by its type (no entry when the type is not registered).</summary>
    public Dictionary<string, object> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Binds every child of <paramref name="section"/>: the shared keys, then its type's settings.</summary>
    public void Bind(IConfiguration section, DestinationTypes types)
    {
        foreach (var child in section.GetChildren())
        {
            var shared = new DestinationOptions();
            child.Bind(shared);
            Items[child.Key] = shared;
            if (types.TryGet(shared.Type, out var type)) Settings[child.Key] = type.Bind(child);
        }
    }
}

/// <summary>Checks every destination at start: the shared keys here, the type's own keys by its type. Each message names the exact key.</summary>
public sealed class DestinationsOptionsValidator(DestinationTypes types) : IValidateOptions<DestinationsOptions>
{
    public ValidateOptionsResult Validate(string? name, DestinationsOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, d) in options.Items)
        {
            var at = $"{DestinationsOptions.Section}:{key}";
            if (!types.TryGet(d.Type, out var type) || !options.Settings.TryGetValue(key, out var settings))
            {
                errors.Add($"{at}:Type must be one of {string.Join(", ", types.Names)} (got '{d.Type}')");
                continue;
            }
            errors.AddRange(type.Validate(settings, at));
            if (d.MaxConcurrency < 1) errors.Add($"{at}:MaxConcurrency must be at least 1");
            if (d.RatePerSecond is < 0) errors.Add($"{at}:RatePerSecond must not be negative");
            if (d.Timeout <= TimeSpan.Zero) errors.Add($"{at}:Timeout must be positive");
            if (d.BatchSize is < 1) errors.Add($"{at}:BatchSize must be at least 1");
            if (d.BatchLinger < TimeSpan.Zero) errors.Add($"{at}:BatchLinger must not be negative");
            if (d.Https is { } tls) errors.AddRange(tls.Validate(at));
            if (d.Template is { IsEmpty: false } template)
            {
                if (type.DefaultTemplate is { } defaults) Templates.MessageTemplate.Parse(template, defaults, at, errors);
                else errors.Add($"{at}:Template is not used by type {type.Name} (its messages are not text for people)");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
