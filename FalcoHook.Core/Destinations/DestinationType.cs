using Microsoft.Extensions.Configuration;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// The descriptor of one destination type, kept in the type's folder and registered with one
/// <c>AddDestinationType&lt;T&gt;()</c> line: <typeparamref name="TSettings"/> holds the type's own keys (bound
/// from <c>FalcoHook:Destinations:&lt;name&gt;</c>, beside the shared <see cref="DestinationOptions"/>),
/// <typeparamref name="TSender"/> sends one delivery.
/// </summary>
public abstract class DestinationType<TSettings, TSender> : IDestinationType
    where TSettings : class, new()
    where TSender : DestinationSender<TSettings>
{
    public abstract string Name { get; }

    public virtual double DefaultRatePerSecond => 0;

    public Type SenderType => typeof(TSender);

    /// <summary>Override in a type whose messages people read: it then takes a <c>Template</c>.</summary>
    public virtual Templates.MessageTemplateSource? DefaultTemplate => null;

    /// <summary>What is wrong with the type's own keys; each message starts with <paramref name="at"/> and the key.</summary>
    public virtual IEnumerable<string> Validate(TSettings settings, string at) => [];

    /// <summary>Where requests go, for valid settings; null when the sender addresses each request itself.</summary>
    public abstract Uri? Endpoint(TSettings settings);

    /// <summary>Secret values (<see cref="Redaction.UrlSecrets"/> for a URL whose path or query is a credential).</summary>
    public virtual IEnumerable<string> Secrets(TSettings settings) => [];

    /// <summary>The usual check of a <c>Url</c> key: present when <paramref name="required"/>, and an absolute http(s) URL.</summary>
    protected IEnumerable<string> CheckUrl(string? url, string at, bool required, string key = "Url")
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            if (required) yield return $"{at}:{key} is required for type {Name}";
        }
        else if (!(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return $"{at}:{key} must be an absolute http or https URL";
        }
    }

    object IDestinationType.Bind(IConfiguration section)
    {
        var settings = new TSettings();
        section.Bind(settings);
        return settings;
    }

    IEnumerable<string> IDestinationType.Validate(object settings, string at) => Validate((TSettings)settings, at);

    Uri? IDestinationType.Endpoint(object settings) => Endpoint((TSettings)settings);

    IEnumerable<string> IDestinationType.Secrets(object settings) => Secrets((TSettings)settings);
}
