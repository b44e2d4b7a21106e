using System.Globalization;
using System.Text.Json.Nodes;

namespace FalcoHook.Cli.Import;

/// <summary>
/// Falcosidekick's message-broker outputs as FalcoHook's broker types (<c>nats</c>, <c>rabbitmq</c>, <c>mqtt</c>,
/// <c>redis</c>), whose TLS settings go under <c>Tls</c> (the HTTP types' <c>Https</c> shape). Falcosidekick's key
/// names: its docs/outputs/{nats,stan,rabbitmq,mqtt,redis}.md.
/// </summary>
internal static class FalcosidekickBrokers
{
    public static readonly string[] Types = ["nats", "rabbitmq", "mqtt", "redis"];

    /// <summary>Outputs Falcosidekick still has and FalcoHook deliberately does not: reported with the reason.</summary>
    public static readonly Dictionary<string, string> Retired = new(StringComparer.Ordinal)
    {
        ["stan"] = "NATS Streaming (STAN) is end-of-life; use a nats destination with JetStream: true",
    };

    /// <summary>Whether the destination's Url turns TLS on (so that a CA for every output applies to it).</summary>
    public static bool IsSecure(JsonObject destination) =>
        destination["Url"]?.GetValue<string>() is { } url && url.Split("://", 2)[0] is "tls" or "rediss" or "amqps" or "mqtts";

    /// <summary>hostport <c>nats://host:4222</c>; subjecttemplate's <c>&lt;priority&gt;</c> and <c>&lt;rule&gt;</c> become placeholders.</summary>
    public static JsonObject? Nats(FalcosidekickSection s, List<NotCarried> notCarried) => s.Text("hostport") is not { } url ? null : new JsonObject
    {
        ["Url"] = url,
        ["Subject"] = (s.Text("subjecttemplate") ?? "falco.<priority>.<rule>").Replace("<priority>", "{priority}", StringComparison.Ordinal).Replace("<rule>", "{rule}", StringComparison.Ordinal),
    };

    /// <summary>url (user, password and vhost in it); queue: the routing key on the default exchange, which routes to the queue of that name.</summary>
    public static JsonObject? RabbitMq(FalcosidekickSection s, List<NotCarried> notCarried) => s.Text("url") is not { } url ? null : new JsonObject
    {
        ["Url"] = url,
        ["RoutingKey"] = s.Text("queue"),
    };

    /// <summary>broker <c>tcp://</c> or <c>ssl://</c>; FalcoHook publishes at QoS 1 and never retains.</summary>
    public static JsonObject? Mqtt(FalcosidekickSection s, List<NotCarried> notCarried)
    {
        if (s.Text("broker") is not { } broker) return null;
        var (scheme, rest) = broker.Split("://", 2) is [var a, var b] ? (a.ToLowerInvariant(), b) : ("tcp", broker);
        var url = scheme switch
        {
            "tcp" or "mqtt" => "mqtt://" + rest,
            "ssl" or "tls" or "mqtts" => "mqtts://" + rest,
            _ => null,
        };
        if (url is null) notCarried.Add(new("mqtt.broker", $"FalcoHook connects over TCP or TLS (tcp:// or ssl://), not {scheme}://"));
        if (s.Text("qos") is { } qos && qos != "1")
            notCarried.Add(new("mqtt.qos", "FalcoHook publishes at QoS 1: a delivery counts once the broker acknowledged it"));
        if (s.Flag("retained", otherwise: false)) notCarried.Add(new("mqtt.retained", "FalcoHook does not retain messages"));
        return url is null ? null : new JsonObject
        {
            ["Url"] = url,
            ["Topic"] = s.Text("topic") ?? "falco/events",
            ["Username"] = s.Text("user"),
            ["Password"] = s.Text("password"),
        };
    }

    /// <summary>
    /// address <c>host:port</c> (<c>tls</c> makes it <c>rediss://</c>); key becomes the stream: FalcoHook adds stream
    /// entries (XADD) where Falcosidekick pushed to a list or set a hash.
    /// </summary>
    public static JsonObject? Redis(FalcosidekickSection s, List<NotCarried> notCarried)
    {
        if (s.Text("address") is not { } address) return null;
        var tls = s.Flag("tls", otherwise: false);
        if (s.Text("storagetype") is { } storage)
            notCarried.Add(new("redis.storagetype", $"FalcoHook adds each alert to a Redis stream (XADD) named by key, not to a {storage}"));
        var destination = new JsonObject
        {
            ["Url"] = (tls ? "rediss://" : "redis://") + address.Split("://", 2)[^1],
            ["Stream"] = s.Text("key") ?? "falco",
            ["Database"] = s.Text("database") is { } database && int.TryParse(database, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) && index != 0 ? index : null,
            ["User"] = s.Text("username"),
            ["Password"] = s.Text("password"),
        };
        var files = new JsonObject { ["ClientCertificate"] = s.Text("certfile"), ["ClientKey"] = s.Text("keyfile"), ["CaCertificates"] = s.Text("cacertfile") };
        foreach (var (key, value) in files.ToList()) if (value is null) files.Remove(key);
        if (files.Count > 0) destination["Tls"] = files;
        return destination;
    }
}
