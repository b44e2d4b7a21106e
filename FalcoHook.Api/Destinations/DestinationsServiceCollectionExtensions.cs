using FalcoHook.Api.Delivery;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Templates;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Destinations;

public static class DestinationsServiceCollectionExtensions
{
    /// <summary>
    /// The destination types, the configured destinations (<c>FalcoHook:Destinations</c>, checked at start), the
    /// <see cref="DestinationCatalog"/> the dispatcher reads, and one named HttpClient per destination. Each type
    /// is one line here; everything else about it lives in its folder under <c>FalcoHook.Core/Destinations</c>.
    /// </summary>
    public static IServiceCollection AddDestinations(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        var section = configuration.GetSection(DestinationsOptions.Section);
        services.AddOptions<DestinationsOptions>().Configure<DestinationTypes>((o, types) => o.Bind(section, types)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DestinationsOptions>, DestinationsOptionsValidator>();
        services.AddSingleton<DestinationTypes>();
        services.AddSingleton<DestinationCatalog>();
        services.AddSingleton<DestinationClients>();
        services.AddSingleton<JsonPost>();
        services.AddOptions<FalcoHookOptions>().Bind(configuration.GetSection(FalcoHookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FalcoHookOptions>, PublicUrlValidator>();
        services.AddSingleton<PublicLinks>();
        services.AddSingleton<MessageRenderer>();
        services.AddHttpClient();
        foreach (var destination in section.GetChildren()) services.AddDestinationHttpClient(destination.Key);

        // One line per type, in the order the Type error lists them.
        services.AddDestinationType<Core.Destinations.Slack.SlackDestination>();
        services.AddDestinationType<Core.Destinations.PagerDuty.PagerDutyDestination>();
        services.AddDestinationType<Core.Destinations.Webhook.WebhookDestination>();
        services.AddDestinationType<Core.Destinations.Discord.DiscordDestination>();
        services.AddDestinationType<Core.Destinations.Elasticsearch.ElasticsearchDestination>();
        services.AddDestinationType<Core.Destinations.OpenSearch.OpenSearchDestination>();
        services.AddDestinationType<Core.Destinations.Loki.LokiDestination>();
        services.AddDestinationType<Core.Destinations.Splunk.SplunkDestination>();
        services.AddDestinationType<Core.Destinations.Datadog.DatadogDestination>();
        services.AddDestinationType<Core.Destinations.Syslog.SyslogDestination>();
        services.AddDestinationType<Core.Destinations.Mattermost.MattermostDestination>();
        services.AddDestinationType<Core.Destinations.RocketChat.RocketChatDestination>();
        services.AddDestinationType<Core.Destinations.Telegram.TelegramDestination>();
        services.AddDestinationType<Core.Destinations.Teams.TeamsDestination>();
        services.AddDestinationType<Core.Destinations.Opsgenie.OpsgenieDestination>();
        services.AddDestinationType<Core.Destinations.Alertmanager.AlertmanagerDestination>();
        services.AddDestinationType<Core.Destinations.GrafanaOnCall.GrafanaOnCallDestination>();
        services.AddDestinationType<Core.Destinations.CloudEvents.CloudEventsDestination>();
        services.AddDestinationType<Core.Destinations.Smtp.SmtpDestination>();
        services.AddDestinationType<Core.Destinations.Sqs.SqsDestination>();
        services.AddDestinationType<Core.Destinations.Kinesis.KinesisDestination>();
        services.AddDestinationType<Core.Destinations.CloudWatchLogs.CloudWatchLogsDestination>();
        services.AddDestinationType<Core.Destinations.Sns.SnsDestination>();
        services.AddDestinationType<Core.Destinations.Nats.NatsDestination>();
        services.AddDestinationType<Core.Destinations.Redis.RedisDestination>();
        services.AddDestinationType<Core.Destinations.GoogleChat.GoogleChatDestination>();
        services.AddDestinationType<Core.Destinations.Webex.WebexDestination>();
        services.AddDestinationType<Core.Destinations.Otlp.OtlpDestination>();
        services.AddDestinationType<Core.Destinations.RabbitMq.RabbitMqDestination>();
        services.AddDestinationType<Core.Destinations.Mqtt.MqttDestination>();
        services.AddDestinationType<Core.Destinations.Kafka.KafkaDestination>();
        services.AddDestinationType<Core.Destinations.PubSub.PubSubDestination>();
        services.AddDestinationType<Core.Destinations.EventHubs.EventHubsDestination>();
        return services;
    }

    /// <summary>Registers a destination type: its descriptor and its sender. A type registered twice counts once.</summary>
    public static IServiceCollection AddDestinationType<T>(this IServiceCollection services) where T : class, IDestinationType, new()
    {
        if (services.Any(s => s.ServiceType == typeof(IDestinationType) && s.ImplementationInstance is T)) return services;
        var type = new T();
        services.AddSingleton<IDestinationType>(type);
        services.TryAddSingleton(type.SenderType);
        return services;
    }

    /// <summary>
    /// The one registration of a destination's HttpClient: base address = its endpoint, its own timeout, no
    /// resilience handler (one attempt per send; retries with Retry-After live in the outbox), the destination's <c>Https</c>
    /// (client certificate, extra CAs) on its connections.
    /// </summary>
    private static void AddDestinationHttpClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(DestinationCatalog.HttpClientName(name)).ConfigureHttpClient((sp, client) =>
            {
                if (!sp.GetRequiredService<DestinationCatalog>().TryGet(name, out var destination)) return;
                if (destination.Endpoint is { } endpoint) client.BaseAddress = endpoint;
                client.Timeout = destination.Options.Timeout;
            })
            // The factory's default loggers write the full request URL: a webhook URL's path is its secret.
            .RemoveAllLoggers()
            .AddHttpMessageHandler(sp => new PinnedEndpointHandler(
                sp.GetRequiredService<DestinationCatalog>().TryGet(name, out var destination) ? destination.Endpoint : null))
            .AddHttpMessageHandler(() => new AttemptStatusHandler())
            .ConfigurePrimaryHttpMessageHandler(sp => new ReceiverConnectionHandler(
                ClientTls.Load(sp.GetRequiredService<DestinationCatalog>().TryGet(name, out var destination) ? destination.Options.Https : null)));
}
