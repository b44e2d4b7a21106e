namespace FalcoHook.Core.Destinations.EventHubs;

/// <summary>
/// The keys of a <c>Type: eventhubs</c> destination besides the shared ones: a connection string, or the namespace, key
/// name and key separately; the event hub from <see cref="EventHub"/> or the connection string's <c>EntityPath</c>.
/// </summary>
public sealed class EventHubsSettings
{
    /// <summary>
    /// The connection string of a shared access policy with Send:
    /// <c>Endpoint=sb://&lt;namespace&gt;.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…[;EntityPath=&lt;hub&gt;]</c>. A secret.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Instead of a connection string: the namespace (<c>falco-ns</c> or <c>falco-ns.servicebus.windows.net</c>).</summary>
    public string? Namespace { get; set; }

    /// <summary>Instead of a connection string: the shared access policy's name.</summary>
    public string? SharedAccessKeyName { get; set; }

    /// <summary>Instead of a connection string: the shared access policy's key. A secret.</summary>
    public string? SharedAccessKey { get; set; }

    /// <summary>The event hub; required unless the connection string has an <c>EntityPath</c>.</summary>
    public string? EventHub { get; set; }

    /// <summary>A field whose value is each event's partition key (events of one value go to one partition, in order); unset means none (the hub spreads them).</summary>
    public string? PartitionKey { get; set; }

    /// <summary>A partition to send every event to (<c>/partitions/{id}/messages</c>) instead of letting the hub choose; not with <see cref="PartitionKey"/>.</summary>
    public string? PartitionId { get; set; }

    /// <summary>The base URL requests go to instead of <c>https://&lt;namespace&gt;</c> (a test fake); the signature still names the namespace.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The most bytes of one request's body: 1,000,000 (Standard and above take 1 MB a publication); at most 256,000 for the Basic tier.</summary>
    public int MaxBatchBytes { get; set; } = 1_000_000;
}
