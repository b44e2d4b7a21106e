using System.Globalization;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;

namespace FalcoHook.Cli.Import;

/// <summary>One setting that was not carried over, and why.</summary>
public sealed record NotCarried(string Setting, string Reason)
{
    public override string ToString() => $"{Setting}: {Reason}";
}

/// <summary>The equivalent FalcoHook configuration (<c>{"FalcoHook": {...}}</c>) and what could not be carried over.</summary>
public sealed record ImportResult(JsonObject Configuration, IReadOnlyList<NotCarried> NotCarried);

/// <summary>
/// Turns a Falcosidekick configuration into FalcoHook's: each enabled output section becomes a destination of the
/// same name and type (<c>minimumpriority</c>, custom headers and the type's keys carried over), <c>customfields</c>
/// become <c>Pipeline:CustomFields</c>; every other setting that is set is reported with the reason it was not carried.
/// </summary>
public static partial class FalcosidekickImport
{
    private delegate JsonObject? Mapper(FalcosidekickSection section, List<NotCarried> notCarried);

    /// <summary>Falcosidekick's settings outside the outputs, which have nothing to carry over into destinations.</summary>
    private static readonly Dictionary<string, string> ServerSettings = new(StringComparer.Ordinal)
    {
        ["listenaddress"] = "FalcoHook listens on its own address (Kestrel settings, default :2801)",
        ["listenport"] = "FalcoHook listens on its own address (Kestrel settings, default :2801)",
        ["debug"] = "FalcoHook's logging is set under Logging",
        ["templatedfields"] = "FalcoHook has no templated custom fields; a destination's Template can use the alert's fields",
        ["customtags"] = "FalcoHook adds no tags to alerts",
        ["bracketreplacer"] = "FalcoHook keeps output field names as Falco writes them",
        ["outputfieldformat"] = "FalcoHook keeps the output as Falco writes it",
        ["tlsserver"] = "FalcoHook's own TLS is set under FalcoHook:Tls",
    };

    private static readonly Dictionary<string, Mapper> Outputs = new(StringComparer.Ordinal)
    {
        ["slack"] = (s, _) => s.Text("webhookurl") is not { } url ? null : new JsonObject
        {
            ["Url"] = url, ["Channel"] = s.Text("channel"), ["Username"] = s.Text("username"), ["IconUrl"] = s.Text("icon"),
        },
        ["teams"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url } : null,
        ["discord"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url, ["AvatarUrl"] = s.Text("icon") } : null,
        ["mattermost"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url, ["Username"] = s.Text("username"), ["IconUrl"] = s.Text("icon") } : null,
        ["rocketchat"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url, ["Username"] = s.Text("username"), ["IconUrl"] = s.Text("icon") } : null,
        ["googlechat"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url } : null,
        ["webex"] = (s, _) => s.Text("webhookurl") is { } url ? new JsonObject { ["Url"] = url } : null,
        ["telegram"] = (s, _) => s.Text("token") is { } token && s.Text("chatid") is { } chat
            ? new JsonObject { ["Token"] = token, ["ChatId"] = chat, ["MessageThreadId"] = s.Text("message_thread_id") } : null,
        ["pagerduty"] = (s, _) => s.Text("routingkey") is { } key ? new JsonObject { ["RoutingKey"] = key, ["Region"] = s.Text("region") } : null,
        ["opsgenie"] = (s, _) => s.Text("apikey") is { } key ? new JsonObject { ["ApiKey"] = key, ["Region"] = s.Text("region") } : null,
        ["webhook"] = (s, _) => s.Text("address") is { } url ? WithHeaders(s, new JsonObject { ["Url"] = url, ["Method"] = s.Text("method") }) : null,
        ["grafanaoncall"] = (s, _) => s.Text("webhookurl") is { } url ? WithHeaders(s, new JsonObject { ["Url"] = url }) : null,
        ["cloudevents"] = (s, _) => s.Text("address") is { } url ? new JsonObject { ["Url"] = url, ["Extensions"] = Object(s.Map("extension")) } : null,
        ["alertmanager"] = Alertmanager,
        ["smtp"] = Smtp,
        ["nats"] = FalcosidekickBrokers.Nats,
        ["rabbitmq"] = FalcosidekickBrokers.RabbitMq,
        ["mqtt"] = FalcosidekickBrokers.Mqtt,
        ["redis"] = FalcosidekickBrokers.Redis,
        ["kafka"] = Kafka,
    };

    /// <summary>Falcosidekick's other outputs: named as not carried over when configured.</summary>
    private static readonly string[] OtherOutputs =
    [
        "datadog", "elasticsearch", "quickwit", "influxdb", "loki", "nats", "stan", "aws", "statsd", "dogstatsd",
        "kafkarest", "kubeless", "openfaas", "tekton", "webui", "policyreport", "rabbitmq", "wavefront", "fission", "grafana", "yandex", "syslog",
        "nodered", "mqtt", "zincsearch", "gotify", "spyderbat", "timescaledb", "redis", "n8n", "openobserve", "dynatrace", "otlp", "talon",
        "sumologic", "splunk", "logstash", "cliq", "prometheus",
    ];

    /// <summary>True for an environment variable Falcosidekick reads (its section is one of its outputs or settings).</summary>
    public static bool IsFalcosidekickVariable(string name)
    {
        var key = name.ToLowerInvariant();
        var section = key.Split('_', 2)[0];
        return key == "customfields" || ServerSettings.ContainsKey(section) || TlsSettings.Contains(section) || Outputs.ContainsKey(section) || OtherOutputs.Contains(section)
            || CloudSections.ContainsKey(section);
    }

    /// <summary>Falcosidekick's client TLS settings, read once and given to each output that uses them.</summary>
    private static readonly string[] TlsSettings = ["mutualtlsfilespath", "mutualtlsclient", "tlsclient"];

    public static ImportResult Convert(IReadOnlyDictionary<string, object?> config, IReadOnlySet<string> types)
    {
        var notCarried = new List<NotCarried>();
        var tls = SidekickTls.From(config);
        var destinations = new JsonObject();
        var root = new JsonObject { ["Destinations"] = destinations };
        foreach (var (key, value) in config.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (FalcosidekickSection.IsEmpty(value) || TlsSettings.Contains(key)) continue;
            if (key == "customfields")
            {
                root["Pipeline"] = new JsonObject { ["CustomFields"] = Object(new FalcosidekickSection("", config).Map(key)) };
                continue;
            }
            if (ServerSettings.TryGetValue(key, out var why) || FalcosidekickBrokers.Retired.TryGetValue(key, out why))
            {
                notCarried.Add(new(key, why));
                continue;
            }
            if (CloudSections.TryGetValue(key, out var cloud) && value is IReadOnlyDictionary<string, object?> cloudValues)
            {
                foreach (var (name, imported) in cloud(new FalcosidekickSection(key, cloudValues), types, notCarried, tls)) destinations[name] = imported;
                continue;
            }
            if (value is not IReadOnlyDictionary<string, object?> values || !Outputs.TryGetValue(key, out var map))
            {
                notCarried.Add(new(key, $"FalcoHook has no {key} destination"));
                continue;
            }
            if (!types.Contains(key))
            {
                notCarried.Add(new(key, $"this FalcoHook build has no {key} destination type"));
                continue;
            }
            var section = new FalcosidekickSection(key, values);
            if (map(section, notCarried) is not { } destination) continue; // not enabled (its address or key is empty)
            destinations[key] = Destination(section, destination, notCarried, tls);
        }
        return new ImportResult(new JsonObject { ["FalcoHook"] = root }, notCarried);
    }

    /// <summary>The type, the keys every destination shares, the type's keys without empty ones, and the report of the rest.</summary>
    private static JsonObject Destination(FalcosidekickSection section, JsonObject own, List<NotCarried> notCarried, SidekickTls tls, string? type = null)
    {
        var destination = new JsonObject { ["Type"] = type ?? section.Name };
        if (section.Text("minimumpriority") is { } minimum)
        {
            if (Priorities.TryParse(minimum, out var priority)) destination["MinimumPriority"] = priority.ToFalcoString();
            else notCarried.Add(new($"{section.Name}.minimumpriority", $"'{minimum}' is not a Falco priority"));
        }
        foreach (var (key, value) in own.ToList())
        {
            own.Remove(key);
            if (value is not null && !(value is JsonObject { Count: 0 })) destination[key] = value;
        }
        // The broker types take the same settings under Tls; a CA for every output applies to those whose Url has TLS.
        // Kafka's Tls section is there when its tls flag is on; the CA joins it.
        var broker = FalcosidekickBrokers.Types.Contains(section.Name);
        var tlsKey = broker || section.Name == "kafka" ? "Tls" : "Https";
        if (section.Flag("mutualtls", otherwise: false) && destination[tlsKey] is null)
            destination[tlsKey] = new JsonObject { ["ClientCertificate"] = tls.CertFile, ["ClientKey"] = tls.KeyFile, ["CaCertificates"] = tls.MutualCaFile };
        else if (tls.CaFile is { } kafkaCa && section.Name == "kafka")
            (destination["Tls"] as JsonObject)?.Add("CaCertificates", kafkaCa);
        else if (tls.CaFile is { } ca && section.Name != "smtp" && destination[tlsKey] is null && (!broker || FalcosidekickBrokers.IsSecure(destination)))
            destination[tlsKey] = new JsonObject { ["CaCertificates"] = ca };
        if (!section.Flag("checkcert", otherwise: true)) notCarried.Add(new($"{section.Name}.checkcert", "FalcoHook always checks the receiver's certificate"));
        if (section.Map("customheaders").Count > 0 && destination["Headers"] is null)
            notCarried.Add(new($"{section.Name}.customheaders", $"FalcoHook's {section.Name} destination sends no custom headers"));
        foreach (var key in section.Unread())
            notCarried.Add(new($"{section.Name}.{key}", $"FalcoHook's {section.Name} destination has no equivalent"));
        return destination;
    }

    /// <summary>
    /// The client certificate, key and CA of outputs with <c>mutualtls: true</c>: <c>mutualtlsclient</c>'s
    /// <c>certfile</c>, <c>keyfile</c> and <c>cacertfile</c> when set, else <c>client.crt</c>, <c>client.key</c> and
    /// <c>ca.crt</c> in <c>mutualtlsfilespath</c> (default <c>/etc/certs</c>); and <c>tlsclient.cacertfile</c>, the CA
    /// Falcosidekick adds to the system's for every output.
    /// </summary>
    private sealed record SidekickTls(string CertFile, string KeyFile, string MutualCaFile, string? CaFile)
    {
        public static SidekickTls From(IReadOnlyDictionary<string, object?> config)
        {
            var root = new FalcosidekickSection("", config);
            var client = new FalcosidekickSection("mutualtlsclient", root.Values("mutualtlsclient"));
            var folder = (root.Text("mutualtlsfilespath") ?? "/etc/certs").TrimEnd('/');
            var ca = new FalcosidekickSection("tlsclient", root.Values("tlsclient")).Text("cacertfile");
            return client.Text("certfile") is { } cert
                ? new SidekickTls(cert, client.Text("keyfile") ?? folder + "/client.key", client.Text("cacertfile") ?? folder + "/ca.crt", ca)
                : new SidekickTls(folder + "/client.crt", folder + "/client.key", folder + "/ca.crt", ca);
        }
    }

    private static JsonObject WithHeaders(FalcosidekickSection section, JsonObject destination)
    {
        destination["Headers"] = Object(section.Map("customheaders"));
        return destination;
    }

    /// <summary>hostport: one or more Alertmanagers (comma-separated); a non-default endpoint path is kept; expiresafter in seconds.</summary>
    private static JsonObject? Alertmanager(FalcosidekickSection s, List<NotCarried> notCarried)
    {
        var hosts = s.List("hostport");
        if (hosts.Count == 0) return null;
        var endpoint = s.Text("endpoint") ?? "/api/v2/alerts";
        if (endpoint == "/api/v1/alerts")
        {
            notCarried.Add(new("alertmanager.endpoint", "Alertmanager removed API v1 in 0.27; FalcoHook posts to /api/v2/alerts"));
            endpoint = "/api/v2/alerts";
        }
        var urls = new JsonArray(hosts.Select(h => (JsonNode?)(endpoint == "/api/v2/alerts" ? h : h.TrimEnd('/') + "/" + endpoint.TrimStart('/'))).ToArray());
        var destination = WithHeaders(s, new JsonObject
        {
            ["Urls"] = urls,
            ["ExtraLabels"] = Object(s.Map("extralabels")),
            ["ExtraAnnotations"] = Object(s.Map("extraannotations")),
        });
        if (s.Text("expiresafter") is { } seconds && int.TryParse(seconds, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0)
            destination["ExpiresAfter"] = TimeSpan.FromSeconds(n).ToString("c", CultureInfo.InvariantCulture);
        foreach (var key in (string[])["customseveritymap", "dropeventdefaultpriority", "dropeventthresholds"])
            if (s.Text(key) is not null)
                notCarried.Add(new($"alertmanager.{key}", "FalcoHook sends Falcosidekick's labels (severity from the priority) and drops no events by priority; use MinimumPriority or Condition"));
        return destination;
    }

    /// <summary>hostport <c>host:port</c>; tls true means STARTTLS or TLS by port; to is comma-separated.</summary>
    private static JsonObject? Smtp(FalcosidekickSection s, List<NotCarried> notCarried)
    {
        if (s.Text("hostport") is not { } hostport) return null;
        var colon = hostport.LastIndexOf(':');
        var host = colon > 0 ? hostport[..colon] : hostport;
        int? port = colon > 0 && int.TryParse(hostport[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;
        var tls = !s.Flag("tls", otherwise: true) ? "None" : port == 465 ? "Tls" : "StartTls";
        var mechanism = s.Text("authmechanism")?.ToLowerInvariant();
        if (mechanism is not (null or "plain" or "login" or "none"))
            notCarried.Add(new("smtp.authmechanism", $"FalcoHook signs in with the server's offered user/password mechanism, not '{mechanism}'"));
        foreach (var key in (string[])["token", "identity", "trace", "outputformat"])
            if (s.Text(key) is not null)
                notCarried.Add(new($"smtp.{key}", key == "outputformat"
                    ? "FalcoHook sends both a text and an HTML part, shaped by the Template"
                    : "FalcoHook signs in with User and Password only"));
        return new JsonObject
        {
            ["Host"] = host,
            ["Port"] = port,
            ["Tls"] = tls,
            ["User"] = mechanism == "none" ? null : s.Text("user"),
            ["Password"] = mechanism == "none" ? null : s.Text("password"),
            ["From"] = s.Text("from"),
            ["To"] = new JsonArray(s.List("to").Select(t => (JsonNode?)t).ToArray()),
        };
    }

    /// <summary>
    /// hostport: comma-separated brokers (port 9092 when none is given); sasl PLAIN, SCRAM_SHA256 or SCRAM_SHA512 with
    /// username and password; tls true. FalcoHook's producer is always idempotent with acks=all and keys records by
    /// KeyField, so Falcosidekick's acks, async mode and balancer have no counterpart.
    /// </summary>
    private static JsonObject? Kafka(FalcosidekickSection s, List<NotCarried> notCarried)
    {
        var brokers = s.List("hostport");
        if (brokers.Count == 0 || s.Text("topic") is not { } topic) return null;
        var destination = new JsonObject
        {
            ["BootstrapServers"] = string.Join(',', brokers.Select(b => b.LastIndexOf(':') > b.LastIndexOf(']') ? b : b + ":9092")),
            ["Topic"] = topic,
        };
        if (s.Text("compression")?.ToLowerInvariant() is { } compression && compression != "none") destination["Compression"] = compression;
        if (s.Text("sasl") is { } sasl)
        {
            var mechanism = sasl.ToUpperInvariant() switch { "PLAIN" => "PLAIN", "SCRAM_SHA256" => "SCRAM-SHA-256", "SCRAM_SHA512" => "SCRAM-SHA-512", _ => null };
            if (mechanism is null) notCarried.Add(new("kafka.sasl", $"FalcoHook signs in to Kafka with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not '{sasl}'"));
            else destination["Sasl"] = new JsonObject { ["Mechanism"] = mechanism, ["User"] = s.Text("username"), ["Password"] = s.Text("password") };
        }
        if (s.Flag("tls", otherwise: false)) destination["Tls"] = new JsonObject { ["Enabled"] = true };
        foreach (var (key, reason) in (ReadOnlySpan<(string, string)>)[
            ("balancer", "FalcoHook's records go to partitions by their key (KeyField; librdkafka's default partitioner), spread when there is none"),
            ("requiredacks", "FalcoHook always produces with acks=all and an idempotent producer"),
            ("clientid", "FalcoHook's producer identifies itself as falcohook"),
        ])
            if (s.Text(key) is not null) notCarried.Add(new($"kafka.{key}", reason));
        if (s.Flag("async", otherwise: false)) notCarried.Add(new("kafka.async", "FalcoHook counts a delivery only once Kafka acknowledged it"));
        if (s.Flag("topiccreation", otherwise: false))
            notCarried.Add(new("kafka.topiccreation", "FalcoHook creates no topics: create it, or let the brokers create it on first use"));
        return destination;
    }

    private static JsonObject Object(Dictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map) json[key] = value;
        return json;
    }

    /// <summary>The destination type names this build has (every <see cref="IDestinationType"/> in FalcoHook.Core).</summary>
    public static IReadOnlySet<string> AvailableTypes() =>
        typeof(IDestinationType).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IDestinationType).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => ((IDestinationType)Activator.CreateInstance(t)!).Name)
            .ToHashSet(StringComparer.Ordinal);
}
