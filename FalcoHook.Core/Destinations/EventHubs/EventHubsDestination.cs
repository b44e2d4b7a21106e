namespace FalcoHook.Core.Destinations.EventHubs;

/// <summary>
/// <c>Type: eventhubs</c>: alerts to an Azure Event Hub with the REST "send batch events" operation. API reference:
/// https://learn.microsoft.com/rest/api/eventhub/send-batch-events (<c>POST
/// https://{namespace}.servicebus.windows.net/{eventHubPath}/messages</c>, <c>Content-Type:
/// application/vnd.microsoft.servicebus.json</c>, a JSON array of <c>{"Body","UserProperties"}</c>; 201 when the batch is
/// taken, 401 on an authorization failure, 500 on an internal error), with <c>/partitions/{id}/messages</c> for one
/// partition (https://learn.microsoft.com/rest/api/eventhub/send-partition-event), the common <c>api-version=2014-01</c>
/// (https://learn.microsoft.com/rest/api/eventhub/event-hubs-runtime-rest) and a Shared Access Signature
/// (<see cref="EventHubsConnection"/>). A publication is at most 1 MB (256 KB on the Basic tier:
/// https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas). The REST API has no idempotency key: a batch sent again
/// after a lost answer is in the hub twice (each event carries its <c>delivery_id</c> property to deduplicate by).
/// </summary>
public sealed class EventHubsDestination : DestinationType<EventHubsSettings, EventHubsSender>
{
    public const int MaxPublicationBytes = 1_048_576;

    public override string Name => "eventhubs";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(EventHubsSettings settings, string at)
    {
        if (EventHubsConnection.From(settings, out var error) is null) yield return $"{at}:{error}";
        foreach (var problem in CheckUrl(settings.Endpoint, at, required: false, key: "Endpoint")) yield return problem;
        if (!string.IsNullOrWhiteSpace(settings.PartitionKey) && !string.IsNullOrWhiteSpace(settings.PartitionId))
            yield return $"{at}:PartitionKey and PartitionId are alternatives: set one";
        if (settings.MaxBatchBytes is < 1024 or > MaxPublicationBytes)
            yield return $"{at}:MaxBatchBytes must be between 1024 and {MaxPublicationBytes} (got {settings.MaxBatchBytes})";
    }

    /// <summary>Null: the sender addresses the hub's <c>messages</c>.</summary>
    public override Uri? Endpoint(EventHubsSettings settings) => null;

    public override IEnumerable<string> Secrets(EventHubsSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString)) yield return settings.ConnectionString.Trim();
        if (!string.IsNullOrWhiteSpace(settings.SharedAccessKey)) yield return settings.SharedAccessKey.Trim();
        if (EventHubsConnection.From(settings, out _) is { } connection) yield return connection.Key;
    }

    /// <summary>The send URL: the hub's (or its partition's) <c>messages</c> under <c>Endpoint</c> or <c>https://&lt;namespace&gt;</c>.</summary>
    public static Uri SendUrl(EventHubsSettings settings, EventHubsConnection connection)
    {
        var root = (settings.Endpoint ?? "https://" + connection.Namespace).Trim().TrimEnd('/');
        var partition = string.IsNullOrWhiteSpace(settings.PartitionId) ? "" : "/partitions/" + Uri.EscapeDataString(settings.PartitionId.Trim());
        return new Uri($"{root}/{Uri.EscapeDataString(connection.Hub)}{partition}/messages?timeout=60&api-version=2014-01");
    }
}
