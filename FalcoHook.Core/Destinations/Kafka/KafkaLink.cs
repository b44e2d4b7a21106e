using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Destinations.Kafka;

/// <summary>
/// One destination's producer and what it was built from. librdkafka's errors and logs go to the service's log (its
/// messages name brokers, never the SASL password); a fatal error marks the link <see cref="Broken"/>.
/// </summary>
internal sealed partial class KafkaLink : IDisposable
{
    private readonly ILogger _logger;
    private readonly string _destination;

    public KafkaLink(KafkaSettings settings, TimeSpan messageTimeout, string destination, ILogger logger)
    {
        Settings = settings;
        MessageTimeout = messageTimeout;
        _destination = destination;
        _logger = logger;
        Producer = new ProducerBuilder<byte[]?, byte[]>(KafkaProducerConfig.For(settings, messageTimeout))
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal) Broken = true;
                LogError(_logger, _destination, error.Code, error.Reason, error.IsFatal);
            })
            .SetLogHandler((_, message) => LogLibrary(_logger, _destination, message.Facility, message.Message))
            .Build();
    }

    public KafkaSettings Settings { get; }

    public TimeSpan MessageTimeout { get; }

    public IProducer<byte[]?, byte[]> Producer { get; }

    public volatile bool Broken;

    /// <summary>Closes the producer without waiting for its queue: what is not reported yet is still pending in the outbox and is sent again.</summary>
    public void Dispose() => Producer.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka destination {Destination}: {Code} {Reason} (fatal: {Fatal})")]
    private static partial void LogError(ILogger logger, string destination, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka destination {Destination}: librdkafka {Facility}: {Message}")]
    private static partial void LogLibrary(ILogger logger, string destination, string facility, string message);
}
