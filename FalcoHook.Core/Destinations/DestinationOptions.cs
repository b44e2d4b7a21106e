using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// The keys every destination of <c>FalcoHook:Destinations:&lt;name&gt;</c> shares, whatever its type. A type's
/// own keys (<c>Url</c>, <c>RoutingKey</c>…) are bound from the same section into its settings class by its
/// <see cref="IDestinationType"/>.
/// </summary>
public sealed class DestinationOptions
{
    /// <summary>The name of a registered destination type (<see cref="IDestinationType.Name"/>), any case.</summary>
    public string Type { get; set; } = "";

    /// <summary>Alerts less severe than this are not sent here.</summary>
    public Priority MinimumPriority { get; set; } = Priority.Debug;

    /// <summary>Optional condition in Falco rule syntax over the alert's fields (source falco_alert).</summary>
    public string? Condition { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Names of <c>FalcoHook:TimeIntervals</c>: while any covers now, nothing is sent here (each muted delivery is recorded).</summary>
    public List<string> MuteTimeIntervals { get; set; } = [];

    /// <summary>Names of <c>FalcoHook:TimeIntervals</c>: when given, alerts are sent here only while one of them covers now.</summary>
    public List<string> ActiveTimeIntervals { get; set; } = [];

    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Sends per second at most; 0 means no limit; unset means the type's default.</summary>
    public double? RatePerSecond { get; set; }

    /// <summary>For a batching type: at most this many deliveries per request; unset means the type's default.</summary>
    public int? BatchSize { get; set; }

    /// <summary>For a batching type: how long a batch that is not full waits for more; unset means the type's default.</summary>
    public TimeSpan? BatchLinger { get; set; }

    /// <summary>The message's title and body in Liquid, for types that take one (chat and mail); unset parts use the type's default.</summary>
    public Templates.TemplateSettings? Template { get; set; }

    /// <summary>For HTTP types: the client certificate to present (mutual TLS) and extra CAs to trust for the receiver.</summary>
    public DestinationTls? Https { get; set; }

    /// <summary>One attempt's timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
