using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Delivery;

/// <summary><c>FalcoHook:Delivery</c>: the retry schedule and the dispatcher's pace.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "FalcoHook:Delivery";

    /// <summary>Attempts in all (the first send included) before a delivery is dead.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>A delivery whose next attempt would fall later than this after its creation is dead instead.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The wait after the first failure; doubles per attempt, with jitter (x0.5 to x1.0).</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the dispatcher looks for due deliveries when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delivered deliveries are deleted this long after delivery (dead ones stay until retried).</summary>
    public TimeSpan DeliveredRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>On shutdown, how long in-flight sends may finish before they are cancelled and put back to pending.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks <c>FalcoHook:Delivery</c> at start-up.</summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = new OptionsFailures(DeliveryOptions.Section);
        failures.AtLeast(nameof(options.MaxAttempts), options.MaxAttempts, 1);
        failures.Positive(nameof(options.MaxAge), options.MaxAge);
        failures.Positive(nameof(options.InitialBackoff), options.InitialBackoff);
        if (options.MaxBackoff < options.InitialBackoff)
            failures.Add(nameof(options.MaxBackoff), $"must be at least InitialBackoff ({options.InitialBackoff}; got {options.MaxBackoff}).");
        failures.Positive(nameof(options.PollInterval), options.PollInterval);
        failures.NotNegative(nameof(options.DeliveredRetention), options.DeliveredRetention);
        failures.NotNegative(nameof(options.ShutdownGrace), options.ShutdownGrace);
        return failures.Result;
    }
}
