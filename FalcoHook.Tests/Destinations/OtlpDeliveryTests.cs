using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Google.Protobuf;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: otlp</c> against a fake OTLP/HTTP logs endpoint (tested against the documented protocol; no collector runs
/// here). The fake decodes each body with <see cref="CodedInputStream"/> by the OTLP field numbers
/// (ExportLogsServiceRequest.resource_logs = 1; ResourceLogs.resource = 1, scope_logs = 2; Resource.attributes = 1;
/// ScopeLogs.scope = 2… see <see cref="Proto"/>) and answers with an <c>ExportLogsServiceResponse</c>.
/// </summary>
public sealed class OtlpDeliveryTests
{
    private const string ProtobufType = "application/x-protobuf";

    private static Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:otel:Type"] = "otlp",
        ["FalcoHook:Destinations:otel:Url"] = receiver.Url("/"),
        ["FalcoHook:Destinations:otel:Headers:Authorization"] = "Bearer otlp-token-0123456789",
        ["FalcoHook:Destinations:otel:ResourceAttributes:deployment.environment.name"] = "prod",
        ["FalcoHook:Destinations:otel:BatchLinger"] = "00:00:00.300",
    };

    private static Notification WithFields(int n, Priority priority)
    {
        var alert = TestAlerts.Shell(n, priority);
        var fields = new Dictionary<string, JsonElement>(alert.OutputFields!)
        {
            ["proc.pid"] = JsonSerializer.SerializeToElement(4242),
            ["evt.is_open_write"] = JsonSerializer.SerializeToElement(true),
            ["fd.load"] = JsonSerializer.SerializeToElement(0.5),
            ["proc.aname"] = JsonSerializer.SerializeToElement(new[] { "bash", "containerd" }),
            ["k8s.labels"] = JsonSerializer.SerializeToElement(new { app = "web" }),
        };
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = alert.Output, Source = alert.Source,
            Hostname = alert.Hostname, Tags = alert.Tags, OutputFields = fields,
        }, $"fp-{n:D4}");
    }

    [Fact]
    public async Task A_batch_is_one_protobuf_export_of_log_records_with_resource_severity_body_and_attributes()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(200, "", new Dictionary<string, string> { ["Content-Type"] = ProtobufType });
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));
        var notifications = new[] { WithFields(1, Priority.Critical), WithFields(2, Priority.Warning) };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["otel"])).ToList(), CancellationToken.None);
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 2, "both delivered");

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/logs", request.Path);
        Assert.Equal(ProtobufType, request.Header("Content-Type"));
        Assert.Equal("Bearer otlp-token-0123456789", request.Header("Authorization"));
        var resourceLogs = Assert.Single(Proto.Messages(request.Body, 1));
        var resource = Assert.Single(Proto.Messages(resourceLogs, 1));
        var resourceAttributes = Proto.Attributes(resource, 1);
        Assert.Equal("falcohook", Proto.Text(resourceAttributes["service.name"], 1));
        Assert.Equal(System.Net.Dns.GetHostName(), Proto.Text(resourceAttributes["host.name"], 1));
        Assert.Equal("prod", Proto.Text(resourceAttributes["deployment.environment.name"], 1));
        var scopeLogs = Assert.Single(Proto.Messages(resourceLogs, 2));
        Assert.Equal("falcohook", Proto.Text(Assert.Single(Proto.Messages(scopeLogs, 1)), 1));
        var records = Proto.Messages(scopeLogs, 2);
        Assert.Equal(2, records.Count);

        // A batch keeps no particular order: each record is found by its severity.
        var (record, alert) = (Assert.Single(records, r => Proto.Number(r, 2) == 18ul), notifications[0].Alert); // SEVERITY_NUMBER_ERROR2
        var warning = Assert.Single(records, r => Proto.Number(r, 2) == 13ul); // SEVERITY_NUMBER_WARN
        Assert.Equal((ulong)alert.Time.UnixNanoseconds, Proto.Number(record, 1));
        Assert.Equal((ulong)notifications[1].Alert.Time.UnixNanoseconds, Proto.Number(warning, 1));
        Assert.Equal("Critical", Proto.Text(record, 3));
        Assert.Equal(alert.Output, Proto.Text(Assert.Single(Proto.Messages(record, 5)), 1));
        Assert.NotEqual(0ul, Proto.Number(record, 11));
        var attributes = Proto.Attributes(record, 6);
        Assert.Equal("Terminal shell in container", Proto.Text(attributes["falco.rule"], 1));
        Assert.Equal("Critical", Proto.Text(attributes["falco.priority"], 1));
        Assert.Equal("syscall", Proto.Text(attributes["falco.source"], 1));
        Assert.Equal("falco-xczjd", Proto.Text(attributes["falco.hostname"], 1));
        Assert.Equal(alert.Tags, Proto.Messages(Assert.Single(Proto.Messages(attributes["falco.tags"], 5)), 1).Select(v => Proto.Text(v, 1)));
        Assert.Equal("default", Proto.Text(attributes["k8s.ns.name"], 1));
        Assert.Equal(4242ul, Proto.Number(attributes["proc.pid"], 3));
        Assert.Equal(1ul, Proto.Number(attributes["evt.is_open_write"], 2));
        Assert.Equal(0.5, BitConverter.UInt64BitsToDouble(Proto.Number(attributes["fd.load"], 4)));
        Assert.Equal(["bash", "containerd"], Proto.Messages(Assert.Single(Proto.Messages(attributes["proc.aname"], 5)), 1).Select(v => Proto.Text(v, 1)));
        Assert.Equal("web", Proto.Text(attributes["k8s.labels.app"], 1));
        Assert.NotEmpty(Proto.Text(attributes["falcohook.delivery_id"], 1));
        Assert.Equal("Warning", Proto.Text(warning, 3));
    }

    [Fact]
    public async Task A_partial_success_is_delivered_and_logged_and_a_batch_rejected_whole_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(200, PartialSuccess(1, "log record too old"), new Dictionary<string, string> { ["Content-Type"] = ProtobufType });
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        await host.Outbox.EnqueueAsync([new RoutedNotification(WithFields(1, Priority.Critical), ["otel"]), new RoutedNotification(WithFields(2, Priority.Error), ["otel"])], CancellationToken.None);
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 2, "both delivered");
        Assert.Single(receiver.Requests);
        await Eventually.TrueAsync(() => host.Logs.AllText.Contains("rejected 1 of 2 log records (not sent again): log record too old", StringComparison.Ordinal), "the rejection logged");

        receiver.Default = new FakeResponse(200, PartialSuccess(1, "unknown tenant"), new Dictionary<string, string> { ["Content-Type"] = ProtobufType });
        var id = (await host.EnqueueAsync(WithFields(3, Priority.Critical), "otel")).Single();
        var dead = await host.WaitForStateAsync(id, DeliveryState.Dead);
        Assert.Equal("otlp: the collector rejected the batch's 1 log records: unknown tenant", dead.LastError);
    }

    [Fact]
    public async Task Unavailable_is_retried_with_retry_after_and_a_bad_request_is_dead_with_the_status_message()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(503, "", new Dictionary<string, string> { ["Retry-After"] = "0" }));
        receiver.Default = new FakeResponse(200);
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var id = (await host.EnqueueAsync(WithFields(1, Priority.Critical), "otel")).Single();
        var delivered = await host.WaitForStateAsync(id, DeliveryState.Delivered);
        Assert.Equal(2, delivered.Attempts);

        // google.rpc.Status { code = 3, message = "bad otlp-token-0123456789 payload" }: the token in the answer is masked.
        receiver.Default = new FakeResponse(400, "\b\u0003\u0012\u0021bad otlp-token-0123456789 payload", new Dictionary<string, string> { ["Content-Type"] = ProtobufType });
        var refused = (await host.EnqueueAsync(WithFields(2, Priority.Critical), "otel")).Single();
        var dead = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Equal("otlp: HTTP 400: bad <redacted> payload", dead.LastError);
    }

    /// <summary>ExportLogsServiceResponse { partial_success (1) { rejected_log_records (1), error_message (2) } } (ASCII only).</summary>
    private static string PartialSuccess(int rejected, string message)
    {
        var inner = "\b" + (char)rejected + "\u0012" + (char)message.Length + message;
        return "\n" + (char)inner.Length + inner;
    }

    /// <summary>A protobuf reader by field numbers, with nothing generated from .proto files.</summary>
    private static class Proto
    {
        public static List<(int Field, object Value)> Fields(byte[] message)
        {
            var input = new CodedInputStream(message);
            var fields = new List<(int, object)>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                var field = WireFormat.GetTagFieldNumber(tag);
                switch (WireFormat.GetTagWireType(tag))
                {
                    case WireFormat.WireType.Varint: fields.Add((field, input.ReadUInt64())); break;
                    case WireFormat.WireType.Fixed64: fields.Add((field, input.ReadFixed64())); break;
                    case WireFormat.WireType.Fixed32: fields.Add((field, (ulong)input.ReadFixed32())); break;
                    case WireFormat.WireType.LengthDelimited: fields.Add((field, input.ReadBytes().ToByteArray())); break;
                    default: throw new InvalidOperationException($"unexpected wire type in field {field}");
                }
            }
            return fields;
        }

        public static List<byte[]> Messages(byte[] message, int field) =>
            Fields(message).Where(f => f.Field == field).Select(f => (byte[])f.Value).ToList();

        public static string Text(byte[] message, int field) => Encoding.UTF8.GetString(Assert.Single(Messages(message, field)));

        public static ulong Number(byte[] message, int field) => (ulong)Assert.Single(Fields(message), f => f.Field == field).Value;

        /// <summary>The KeyValue list in <paramref name="field"/>: key (1) → AnyValue (2).</summary>
        public static Dictionary<string, byte[]> Attributes(byte[] message, int field) =>
            Messages(message, field).ToDictionary(kv => Text(kv, 1), kv => Assert.Single(Messages(kv, 2)));
    }
}
