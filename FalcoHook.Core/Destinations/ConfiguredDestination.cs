namespace FalcoHook.Core.Destinations;

/// <summary>One configured destination, resolved: its shared keys, its type with its settings, and what derives from them.</summary>
public sealed class ConfiguredDestination
{
    /// <summary>The key under <c>FalcoHook:Destinations</c>.</summary>
    public required string Name { get; init; }

    public required DestinationOptions Options { get; init; }

    public required IDestinationType Type { get; init; }

    /// <summary>The type's own settings (an instance of the type's settings class).</summary>
    public required object Settings { get; init; }

    public required IDestinationSender Sender { get; init; }

    /// <summary>Where requests go: the base address of the destination's HttpClient, logged redacted; null when the sender addresses each request.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Secret values, longest first, masked in any text that could echo them.</summary>
    public required IReadOnlyList<string> Secrets { get; init; }

    /// <summary>The parsed message template (the configured parts over the type's default); null for a type that takes none.</summary>
    public Templates.MessageTemplate? Template { get; init; }

    /// <summary>The configured <c>RatePerSecond</c>, or the type's default.</summary>
    public double RatePerSecond => Options.RatePerSecond ?? Type.DefaultRatePerSecond;
}
