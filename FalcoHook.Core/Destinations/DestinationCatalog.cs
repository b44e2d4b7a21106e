using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations;

/// <summary>The configured destinations by name, each resolved with its type, settings, sender, endpoint and secrets.</summary>
public sealed class DestinationCatalog
{
    private readonly Lazy<IReadOnlyDictionary<string, ConfiguredDestination>> _all;

    public DestinationCatalog(IOptions<DestinationsOptions> options, DestinationTypes types, IServiceProvider services) =>
        _all = new(() => Resolve(options.Value, types, services));

    public IReadOnlyDictionary<string, ConfiguredDestination> All => _all.Value;

    public bool TryGet(string name, out ConfiguredDestination destination) => All.TryGetValue(name, out destination!);

    /// <summary>The IHttpClientFactory name of a destination's client (one per destination: its own endpoint and timeout).</summary>
    public static string HttpClientName(string destination) => "falcohook-destination:" + destination;

    private static Dictionary<string, ConfiguredDestination> Resolve(DestinationsOptions options, DestinationTypes types, IServiceProvider services)
    {
        var all = new Dictionary<string, ConfiguredDestination>(StringComparer.Ordinal);
        foreach (var (name, shared) in options.Items)
        {
            // Validated at start: every destination has a registered type and its settings.
            if (!types.TryGet(shared.Type, out var type) || !options.Settings.TryGetValue(name, out var settings)) continue;
            all[name] = new ConfiguredDestination
            {
                Name = name,
                Options = shared,
                Type = type,
                Settings = settings,
                Sender = (IDestinationSender)services.GetRequiredService(type.SenderType),
                Endpoint = type.Endpoint(settings),
                // Validated at start: a template that does not parse stops start-up.
                Template = type.DefaultTemplate is { } defaults ? Templates.MessageTemplate.Parse(shared.Template, defaults, name, []) : null,
                Secrets = [.. type.Secrets(settings).Concat(shared.Https?.Secrets() ?? []).Where(s => s.Length >= Redaction.MinSecretLength).Distinct().OrderByDescending(s => s.Length)],
            };
        }
        return all;
    }
}
