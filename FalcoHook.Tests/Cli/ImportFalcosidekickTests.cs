using System.Text.Json.Nodes;
using FalcoHook.Cli.Import;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Cli;

/// <summary>
/// <c>falcohook import falcosidekick</c>: a Falcosidekick configuration (file or environment variables) becomes a
/// FalcoHook configuration the service starts with, and every setting not carried over is named with its reason.
/// </summary>
public sealed class ImportFalcosidekickTests
{
    private const string Config = """
        listenport: 2801
        customfields:
          Cluster: prod-eu
        slack:
          webhookurl: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
          channel: "#falco"
          footer: "from falcosidekick"
          minimumpriority: "warning"
        teams:
          webhookurl: "https://example.webhook.office.com/webhookb2/abc/IncomingWebhook/def"
          minimumpriority: "error"
        discord:
          webhookurl: "https://discord.com/api/webhooks/1/tokentokentokentoken"
          icon: "https://example.com/falco.png"
        opsgenie:
          apikey: "eb243592-faa2-4ba2-a551q-1afdf565c889"
          region: eu
          minimumpriority: critical
        alertmanager:
          hostport: "http://am-0:9093,http://am-1:9093"
          expiresafter: 600
          extralabels: "team:sec"
          minimumpriority: ""
        webhook:
          address: "https://siem.example/falco"
          customheaders:
            Authorization: "Bearer abc123456"
          mutualtls: true
        mattermost:
          webhookurl: ""
        zincsearch:
          hosturl: "http://zinc:4080"
          index: falco
        """;

    [Fact]
    public async Task A_falcosidekick_config_becomes_a_config_falcohook_starts_with_and_the_unsupported_output_is_named()
    {
        using var dir = new TempDirectory();
        WriteClientCertificate(dir);
        File.WriteAllText(dir.File("config.yaml"), Config + $"""

            mutualtlsclient:
              certfile: "{dir.File("client.crt")}"
              keyfile: "{dir.File("client.key")}"
              cacertfile: "{dir.File("ca.crt")}"
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, ImportCommand.Run(["falcosidekick", dir.File("config.yaml")], output, error));

        var notCarried = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("not carried over: zincsearch: FalcoHook has no zincsearch destination", notCarried);
        Assert.Contains("not carried over: slack.footer: FalcoHook's slack destination has no equivalent", notCarried);
        Assert.DoesNotContain(notCarried, line => line.Contains("mutualtls", StringComparison.Ordinal));
        Assert.Contains(notCarried, line => line.StartsWith("not carried over: listenport: ", StringComparison.Ordinal));
        Assert.DoesNotContain(notCarried, line => line.Contains("mattermost", StringComparison.Ordinal)); // present but not enabled

        var json = JsonNode.Parse(output.ToString())!["FalcoHook"]!;
        var destinations = json["Destinations"]!.AsObject();
        var teams = FalcosidekickImport.AvailableTypes().Contains("teams");
        Assert.Equal(teams ? ["alertmanager", "discord", "opsgenie", "slack", "teams", "webhook"] : ["alertmanager", "discord", "opsgenie", "slack", "webhook"],
            destinations.Select(d => d.Key).Order(StringComparer.Ordinal));
        if (!teams) Assert.Contains("not carried over: teams: this FalcoHook build has no teams destination type", notCarried);
        Assert.Equal("""{"Type":"slack","MinimumPriority":"Warning","Url":"https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX","Channel":"#falco"}""",
            destinations["slack"]!.ToJsonString());
        Assert.Equal("""{"Type":"opsgenie","MinimumPriority":"Critical","ApiKey":"eb243592-faa2-4ba2-a551q-1afdf565c889","Region":"eu"}""",
            destinations["opsgenie"]!.ToJsonString());
        Assert.Equal("""{"Type":"alertmanager","Urls":["http://am-0:9093","http://am-1:9093"],"ExtraLabels":{"team":"sec"},"ExpiresAfter":"00:10:00"}""",
            destinations["alertmanager"]!.ToJsonString());
        Assert.Equal($$$"""{"Type":"webhook","Url":"https://siem.example/falco","Headers":{"Authorization":"Bearer abc123456"},"Https":{"ClientCertificate":{{{Json(dir.File("client.crt"))}}},"ClientKey":{{{Json(dir.File("client.key"))}}},"CaCertificates":{{{Json(dir.File("ca.crt"))}}}}}""",
            destinations["webhook"]!.ToJsonString());
        Assert.Equal("""{"Type":"discord","Url":"https://discord.com/api/webhooks/1/tokentokentokentoken","AvatarUrl":"https://example.com/falco.png"}""",
            destinations["discord"]!.ToJsonString());
        Assert.Equal("prod-eu", json["Pipeline"]!["CustomFields"]!["Cluster"]!.GetValue<string>());

        // The service starts with it, with each imported destination configured.
        using var factory = new FalcoHookFactory();
        foreach (var (key, value) in Flatten(json, "FalcoHook")) factory.With(key, value);
        using var client = factory.CreateClient();
        Assert.True((await client.GetAsync("/healthz")).IsSuccessStatusCode);
        var catalog = factory.Services.GetRequiredService<DestinationCatalog>().All;
        Assert.Equal(destinations.Select(d => d.Key).Order(StringComparer.Ordinal), catalog.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Core.Alerts.Priority.Critical, catalog["opsgenie"].Options.MinimumPriority);
        Assert.Equal("https://api.eu.opsgenie.com/v2/alerts", catalog["opsgenie"].Endpoint!.ToString());
        Assert.Equal(dir.File("client.key"), catalog["webhook"].Options.Https!.ClientKey);
    }

    [Fact]
    public void Mutual_tls_without_mutualtlsclient_uses_the_files_in_mutualtlsfilespath_and_tlsclient_adds_a_ca_to_the_others()
    {
        var config = new Dictionary<string, object?>
        {
            ["mutualtlsfilespath"] = "/run/certs/",
            ["tlsclient"] = new Dictionary<string, object?> { ["cacertfile"] = "/run/ca/internal.crt" },
            ["webhook"] = new Dictionary<string, object?> { ["address"] = "https://siem.example/falco", ["mutualtls"] = "true" },
            ["loki"] = new Dictionary<string, object?> { ["hostport"] = "http://loki:3100" },
            ["slack"] = new Dictionary<string, object?> { ["webhookurl"] = "https://hooks.slack.com/services/T/B/X", ["checkcert"] = "false" },
        };

        var result = FalcosidekickImport.Convert(config, new HashSet<string>(["webhook", "slack"]));

        var destinations = result.Configuration["FalcoHook"]!["Destinations"]!;
        Assert.Equal("""{"ClientCertificate":"/run/certs/client.crt","ClientKey":"/run/certs/client.key","CaCertificates":"/run/certs/ca.crt"}""",
            destinations["webhook"]!["Https"]!.ToJsonString());
        Assert.Equal("""{"CaCertificates":"/run/ca/internal.crt"}""", destinations["slack"]!["Https"]!.ToJsonString());
        Assert.Equal(["loki: FalcoHook has no loki destination", "slack.checkcert: FalcoHook always checks the receiver's certificate"],
            result.NotCarried.Select(n => n.ToString()).Order(StringComparer.Ordinal));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("MUTUALTLSCLIENT_CERTFILE"));
    }

    [Fact]
    public void The_broker_outputs_become_broker_destinations_with_their_tls_under_Tls_and_stan_is_named_as_end_of_life()
    {
        var config = new Dictionary<string, object?>
        {
            ["tlsclient"] = new Dictionary<string, object?> { ["cacertfile"] = "/run/ca/internal.crt" },
            ["nats"] = new Dictionary<string, object?> { ["hostport"] = "nats://nats:4222", ["subjecttemplate"] = "sec.<priority>.<rule>", ["mutualtls"] = "true" },
            ["stan"] = new Dictionary<string, object?> { ["hostport"] = "nats://stan:4222", ["clusterid"] = "events", ["clientid"] = "falco" },
            ["rabbitmq"] = new Dictionary<string, object?> { ["url"] = "amqps://falco:pw@mq:5671/sec", ["queue"] = "falco-alerts" },
            ["mqtt"] = new Dictionary<string, object?>
            {
                ["broker"] = "ssl://mqtt:8883", ["topic"] = "sec/falco", ["qos"] = "2", ["retained"] = "true", ["user"] = "falco", ["password"] = "mqtt-pw", ["checkcert"] = "false",
            },
            ["redis"] = new Dictionary<string, object?>
            {
                ["address"] = "redis:6379", ["password"] = "redis-pw", ["database"] = "2", ["key"] = "falco-events", ["storagetype"] = "hashmap",
            },
        };

        var result = FalcosidekickImport.Convert(config, FalcosidekickImport.AvailableTypes());

        var destinations = result.Configuration["FalcoHook"]!["Destinations"]!;
        Assert.Equal("""{"Type":"nats","Url":"nats://nats:4222","Subject":"sec.{priority}.{rule}","Tls":{"ClientCertificate":"/etc/certs/client.crt","ClientKey":"/etc/certs/client.key","CaCertificates":"/etc/certs/ca.crt"}}""",
            destinations["nats"]!.ToJsonString());
        Assert.Equal("""{"Type":"rabbitmq","Url":"amqps://falco:pw@mq:5671/sec","RoutingKey":"falco-alerts","Tls":{"CaCertificates":"/run/ca/internal.crt"}}""",
            destinations["rabbitmq"]!.ToJsonString());
        Assert.Equal("""{"Type":"mqtt","Url":"mqtts://mqtt:8883","Topic":"sec/falco","Username":"falco","Password":"mqtt-pw","Tls":{"CaCertificates":"/run/ca/internal.crt"}}""",
            destinations["mqtt"]!.ToJsonString());
        // redis:// has no TLS, so the CA for every output does not apply to it.
        Assert.Equal("""{"Type":"redis","Url":"redis://redis:6379","Stream":"falco-events","Database":2,"Password":"redis-pw"}""", destinations["redis"]!.ToJsonString());
        Assert.Null(destinations["stan"]);
        Assert.Equal([
            "mqtt.checkcert: FalcoHook always checks the receiver's certificate",
            "mqtt.qos: FalcoHook publishes at QoS 1: a delivery counts once the broker acknowledged it",
            "mqtt.retained: FalcoHook does not retain messages",
            "redis.storagetype: FalcoHook adds each alert to a Redis stream (XADD) named by key, not to a hashmap",
            "stan: NATS Streaming (STAN) is end-of-life; use a nats destination with JetStream: true",
        ], result.NotCarried.Select(n => n.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Redis_with_tls_and_its_own_certificate_files_becomes_rediss_with_them_under_Tls()
    {
        var config = new Dictionary<string, object?>
        {
            ["redis"] = new Dictionary<string, object?>
            {
                ["address"] = "redis.sec:6380", ["username"] = "falco", ["password"] = "redis-pw", ["tls"] = "true", ["mutualtls"] = "true",
                ["certfile"] = "/certs/redis-client.crt", ["keyfile"] = "/certs/redis-client.key", ["cacertfile"] = "/certs/redis-ca.crt",
            },
        };

        var result = FalcosidekickImport.Convert(config, FalcosidekickImport.AvailableTypes());

        Assert.Equal("""{"Type":"redis","Url":"rediss://redis.sec:6380","Stream":"falco","User":"falco","Password":"redis-pw","Tls":{"ClientCertificate":"/certs/redis-client.crt","ClientKey":"/certs/redis-client.key","CaCertificates":"/certs/redis-ca.crt"}}""",
            result.Configuration["FalcoHook"]!["Destinations"]!["redis"]!.ToJsonString());
        Assert.Empty(result.NotCarried);
    }

    [Fact]
    public void A_kafka_section_becomes_a_kafka_destination_and_the_balancer_and_acks_are_named()
    {
        using var dir = new TempDirectory();
        WriteClientCertificate(dir);
        var config = new Dictionary<string, object?>
        {
            ["tlsclient"] = new Dictionary<string, object?> { ["cacertfile"] = dir.File("ca.crt") },
            ["kafka"] = new Dictionary<string, object?>
            {
                ["hostport"] = "kafka-0.kafka:9093,kafka-1.kafka", ["topic"] = "falco-alerts", ["minimumpriority"] = "notice",
                ["sasl"] = "SCRAM_SHA512", ["username"] = "falco", ["password"] = "kafka-pw-123", ["tls"] = "true",
                ["compression"] = "GZIP", ["balancer"] = "round_robin", ["requiredacks"] = "ONE", ["async"] = "false", ["topiccreation"] = "false",
            },
        };

        var result = FalcosidekickImport.Convert(config, new HashSet<string>(["kafka"]));

        Assert.Equal($$$"""{"Type":"kafka","MinimumPriority":"Notice","BootstrapServers":"kafka-0.kafka:9093,kafka-1.kafka:9092","Topic":"falco-alerts","Compression":"gzip","Sasl":{"Mechanism":"SCRAM-SHA-512","User":"falco","Password":"kafka-pw-123"},"Tls":{"Enabled":true,"CaCertificates":{{{Json(dir.File("ca.crt"))}}}}}""",
            result.Configuration["FalcoHook"]!["Destinations"]!["kafka"]!.ToJsonString());
        Assert.Equal([
            "kafka.balancer: FalcoHook's records go to partitions by their key (KeyField; librdkafka's default partitioner), spread when there is none",
            "kafka.requiredacks: FalcoHook always produces with acks=all and an idempotent producer",
        ], result.NotCarried.Select(n => n.ToString()).Order(StringComparer.Ordinal));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("KAFKA_HOSTPORT"));

        // The service's validation accepts what the import wrote.
        var flat = Flatten(result.Configuration, "").Select(kv => KeyValuePair.Create(kv.Key.TrimStart(':'), kv.Value));
        var configuration = Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions
            .AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(), flat).Build();
        using var services = Api.Destinations.DestinationsServiceCollectionExtensions.AddDestinations(new ServiceCollection(), configuration).BuildServiceProvider();
        Assert.True(services.GetRequiredService<DestinationCatalog>().TryGet("kafka", out var kafka));
        Assert.Equal("falco-alerts", ((Core.Destinations.Kafka.KafkaSettings)kafka.Settings).Topic);
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>A self-signed client certificate as <c>client.crt</c> and <c>client.key</c>, and as <c>ca.crt</c>.</summary>
    private static void WriteClientCertificate(TempDirectory dir)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=falcohook", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(dir.File("client.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(dir.File("ca.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(dir.File("client.key"), key.ExportPkcs8PrivateKeyPem());
    }

    [Fact]
    public void Falcosidekicks_environment_variables_import_the_same_way()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("falcosidekick.env"), """
            # from the Helm chart's env
            SLACK_WEBHOOKURL=https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYYYYYYYYYYYYY
            SLACK_MINIMUMPRIORITY=notice
            export WEBHOOK_ADDRESS="https://siem.example/falco"
            WEBHOOK_CUSTOMHEADERS=X-Token:abc,X-Env:prod
            CUSTOMFIELDS=Env:prod,Team:sec
            SMTP_HOSTPORT=smtp.example.com:587
            SMTP_FROM=falco@example.com
            SMTP_TO=a@example.com,b@example.com
            SMTP_USER=falco
            SMTP_PASSWORD=pw-12345
            LOKI_HOSTPORT=http://loki:3100
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, ImportCommand.Run(["falcosidekick", "--env", dir.File("falcosidekick.env")], output, error));

        var json = JsonNode.Parse(output.ToString())!["FalcoHook"]!;
        Assert.Equal("""{"Type":"slack","MinimumPriority":"Notice","Url":"https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYYYYYYYYYYYYY"}""",
            json["Destinations"]!["slack"]!.ToJsonString());
        Assert.Equal("""{"Type":"webhook","Url":"https://siem.example/falco","Headers":{"X-Token":"abc","X-Env":"prod"}}""", json["Destinations"]!["webhook"]!.ToJsonString());
        Assert.Equal("""{"Type":"smtp","Host":"smtp.example.com","Port":587,"Tls":"StartTls","User":"falco","Password":"pw-12345","From":"falco@example.com","To":["a@example.com","b@example.com"]}""",
            json["Destinations"]!["smtp"]!.ToJsonString());
        Assert.Equal("""{"Env":"prod","Team":"sec"}""", json["Pipeline"]!["CustomFields"]!.ToJsonString());
        Assert.Equal(["not carried over: loki: FalcoHook has no loki destination"],
            error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Gcp_pubsub_and_azure_eventhub_become_pubsub_and_eventhubs_destinations_and_what_they_lack_is_named()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var key = System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account", ["client_email"] = "falco@falco-project.iam.gserviceaccount.com", ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        })));
        var config = FalcosidekickConfig.FromYaml($"""
            gcp:
              credentials: "{key}"
              pubsub:
                projectid: falco-project
                topic: falco-alerts
                customattributes:
                  cluster: prod-eu
                minimumpriority: warning
              storage:
                bucket: falco-archive
              cloudrun:
                endpoint: ""
            azure:
              eventHub:
                name: falco-alerts
                namespace: falco-ns
                minimumpriority: error
              podIdentityClientID: "4f1c-client"
            """);

        var result = FalcosidekickImport.Convert(config, new HashSet<string>(["pubsub", "eventhubs"]));

        var destinations = result.Configuration["FalcoHook"]!["Destinations"]!;
        Assert.Equal($$$"""{"Type":"pubsub","MinimumPriority":"Warning","Project":"falco-project","Topic":"falco-alerts","Credentials":"{{{key}}}","Attributes":{"cluster":"prod-eu"}}""",
            destinations["pubsub"]!.ToJsonString());
        Assert.Equal("""{"Type":"eventhubs","MinimumPriority":"Error","Namespace":"falco-ns","EventHub":"falco-alerts"}""", destinations["eventhubs"]!.ToJsonString());
        Assert.Equal(
        [
            "azure.eventhub: Falcosidekick signs in with an Azure identity; FalcoHook sends with a Shared Access Signature: add SharedAccessKeyName and SharedAccessKey of a policy with Send (or a ConnectionString)",
            "azure.podidentityclientid: FalcoHook does not sign in with an Azure identity",
            "gcp.storage: FalcoHook has no gcp.storage destination",
        ], result.NotCarried.Select(n => n.ToString()).Order(StringComparer.Ordinal));

        // It starts once the Event Hubs policy's key is added, and says so while it is not.
        var settings = Flatten(result.Configuration["FalcoHook"]!, "FalcoHook").ToDictionary(p => p.Key, p => p.Value);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(settings));
        Assert.Contains("FalcoHook:Destinations:eventhubs:SharedAccessKeyName is required with Namespace", failure.Message);
        Assert.DoesNotContain("Destinations:pubsub", failure.Message);
        settings["FalcoHook:Destinations:eventhubs:SharedAccessKeyName"] = "send";
        settings["FalcoHook:Destinations:eventhubs:SharedAccessKey"] = "c2VuZC1rZXk=";
        await using var host = await DeliveryTestHost.StartAsync(settings);
        Assert.Contains(key, host.Services.GetRequiredService<DestinationCatalog>().All["pubsub"].Secrets);
    }

    [Fact]
    public void Gcp_and_azure_environment_variables_import_the_same_way()
    {
        var config = FalcosidekickConfig.FromEnvironment(new Dictionary<string, string>
        {
            ["GCP_PUBSUB_PROJECTID"] = "falco-project",
            ["GCP_PUBSUB_TOPIC"] = "falco-alerts",
            ["GCP_PUBSUB_CUSTOMATTRIBUTES"] = "cluster:prod-eu,team:sec",
            ["GCP_CLOUDFUNCTIONS_NAME"] = "falco-fn",
            ["AZURE_EVENTHUB_NAME"] = "falco-alerts",
            ["AZURE_EVENTHUB_NAMESPACE"] = "falco-ns",
        });

        var result = FalcosidekickImport.Convert(config, new HashSet<string>(["pubsub", "eventhubs"]));

        var destinations = result.Configuration["FalcoHook"]!["Destinations"]!;
        Assert.Equal("""{"Type":"pubsub","Project":"falco-project","Topic":"falco-alerts","Attributes":{"cluster":"prod-eu","team":"sec"}}""", destinations["pubsub"]!.ToJsonString());
        Assert.Equal("""{"Type":"eventhubs","Namespace":"falco-ns","EventHub":"falco-alerts"}""", destinations["eventhubs"]!.ToJsonString());
        Assert.Contains("gcp.pubsub: Falcosidekick used Google's default credentials (workload identity, gcloud); FalcoHook needs a service-account key: set Credentials or CredentialsFile",
            result.NotCarried.Select(n => n.ToString()));
        Assert.Contains("gcp.cloudfunctions: FalcoHook has no gcp.cloudfunctions destination", result.NotCarried.Select(n => n.ToString()));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("GCP_PUBSUB_TOPIC"));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("AZURE_EVENTHUB_NAME"));
    }

    [Fact]
    public void Only_falcosidekicks_variables_are_read_from_the_process_environment()
    {
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("SLACK_WEBHOOKURL"));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("LOKI_HOSTPORT"));
        Assert.True(FalcosidekickImport.IsFalcosidekickVariable("CUSTOMFIELDS"));
        Assert.False(FalcosidekickImport.IsFalcosidekickVariable("PATH"));
        Assert.False(FalcosidekickImport.IsFalcosidekickVariable("HOME"));
    }

    [Fact]
    public void A_missing_file_is_an_error()
    {
        using var error = new StringWriter();
        Assert.Equal(1, ImportCommand.Run(["falcosidekick", "/nonexistent/config.yaml"], new StringWriter(), error));
        Assert.StartsWith("/nonexistent/config.yaml: error: ", error.ToString());
    }

    private static IEnumerable<(string Key, string? Value)> Flatten(JsonNode node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Flatten(p.Value!, $"{path}:{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => Flatten(item!, $"{path}:{i}")),
        _ => [(path, node.ToString())],
    };
}
