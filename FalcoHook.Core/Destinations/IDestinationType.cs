using Microsoft.Extensions.Configuration;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// A destination type as the shared machinery sees it (implement it through <see cref="DestinationType{TSettings, TSender}"/>):
/// the <c>Type</c> name users write, its own settings bound from the destination's section with their validation,
/// its defaults, its secrets and its sender. The options, dispatcher, redaction and HttpClient registration know
/// types only through this interface.
/// </summary>
public interface IDestinationType
{
    /// <summary>The value of <c>Type</c> that selects this type, e.g. <c>slack</c>.</summary>
    string Name { get; }

    /// <summary>The <see cref="IDestinationSender"/> registered for this type (one instance for every destination of it).</summary>
    Type SenderType { get; }

    /// <summary>Sends per second when the destination sets no <c>RatePerSecond</c>; 0 means no limit.</summary>
    double DefaultRatePerSecond { get; }

    /// <summary>
    /// The title and body a chat or mail type renders when the destination sets no <c>Template</c>; null for a type
    /// whose messages are not text for people (it takes no <c>Template</c>).
    /// </summary>
    Templates.MessageTemplateSource? DefaultTemplate { get; }

    /// <summary>A new settings object bound from the destination's section.</summary>
    object Bind(IConfiguration section);

    /// <summary>What is wrong with the type's own keys; each message starts with <paramref name="at"/> and the key.</summary>
    IEnumerable<string> Validate(object settings, string at);

    /// <summary>Where requests go (valid settings only); null when the sender addresses each request itself.</summary>
    Uri? Endpoint(object settings);

    /// <summary>The values that must never appear in logs, stored errors or API answers.</summary>
    IEnumerable<string> Secrets(object settings);
}
