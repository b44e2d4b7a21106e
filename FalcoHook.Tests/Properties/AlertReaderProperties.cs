using System.Text;
using System.Text.Json;
using CsCheck;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Properties;

/// <summary>
/// An alert in Falco's JSON shape comes out of <see cref="AlertReader"/> and <see cref="FalcoAlert.ToJson"/> as the
/// same JSON: every field, every <c>output_fields</c> value of every JSON kind (numbers as their text), unknown
/// properties; and a body reads to the same alerts as an array and as JSON Lines.
/// </summary>
public sealed class AlertReaderProperties
{
    private static readonly string[] KnownNames = ["rule", "priority", "time", "output", "output_fields", "source", "hostname", "tags"];

    private sealed record GeneratedAlert(
        string? Hostname, string Output, Priority Priority, string Rule, string? Source, string[] Tags, FalcoTime Time,
        (string Name, JsonValue Value)[]? OutputFields, (string Name, JsonValue Value)[] Extra)
    {
        /// <summary>The alert as Falco's JSON, in the property order <see cref="FalcoAlert.WriteTo"/> uses.</summary>
        public string ToJson() => Generators.Write(w =>
        {
            w.WriteStartObject();
            if (Hostname is not null) w.WriteString("hostname", Hostname);
            w.WriteString("output", Output);
            w.WriteString("priority", Priority.ToFalcoString());
            w.WriteString("rule", Rule);
            if (Source is not null) w.WriteString("source", Source);
            w.WriteStartArray("tags");
            foreach (var tag in Tags) w.WriteStringValue(tag);
            w.WriteEndArray();
            w.WriteString("time", Time.ToString());
            if (OutputFields is not null)
            {
                w.WritePropertyName("output_fields");
                new JsonValue.Object(OutputFields).WriteTo(w);
            }
            foreach (var (name, value) in Extra)
            {
                w.WritePropertyName(name);
                value.WriteTo(w);
            }
            w.WriteEndObject();
        });
    }

    private static readonly Gen<string?> Optional = Gen.Frequency((1, Gen.Const((string?)null)), (3, Generators.Text().Select(s => (string?)s)));

    private static readonly Gen<GeneratedAlert> Alert =
        from hostname in Optional
        from output in Generators.Text(30)
        from priority in Gen.Enum<Priority>()
        from rule in Generators.NonBlankText
        from source in Optional
        from tags in Generators.Text(6).Array[0, 4]
        from time in Generators.Time
        from outputFields in Gen.Frequency(
            (1, Gen.Const(((string, JsonValue)[]?)null)),
            (4, Generators.Members(Generators.Json(), 8).Select(m => ((string, JsonValue)[]?)m)))
        from extra in Generators.Members(Generators.Json(2), 3)
        select new GeneratedAlert(hostname, output, priority, rule, source, tags, time, outputFields,
            extra.Where(m => !KnownNames.Contains(m.Name)).ToArray());

    private static AlertReadResult ReadJson(string json) => AlertReader.ReadJson(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void An_alert_in_Falcos_json_comes_out_as_the_same_json()
    {
        Alert.Sample(alert =>
        {
            var json = alert.ToJson();
            var read = ReadJson(json);
            Assert.True(read.Ok, string.Join("; ", read.Errors));
            Assert.Equal(json, Assert.Single(read.Alerts).ToJson());
        }, iter: Generators.Iterations, threads: 1);
    }

    [Fact]
    public void Output_fields_values_of_every_json_kind_are_kept_exactly()
    {
        Generators.Json(4).Sample(value =>
        {
            var text = Generators.Write(value.WriteTo);
            var json = """{"rule":"r","priority":"Notice","time":"2024-05-01T12:00:00Z","output_fields":{"v":""" + text + "}}";
            var alert = Assert.Single(ReadJson(json).Alerts);
            Assert.Equal(text, alert.OutputFields!["v"].GetRawText());
            Assert.EndsWith("\"output_fields\":{\"v\":" + text + "}}", alert.ToJson(), StringComparison.Ordinal);
        }, iter: Generators.Iterations, threads: 1);
    }

    [Fact]
    public void A_body_reads_to_the_same_alerts_as_an_array_and_as_json_lines()
    {
        var bodies = Gen.Select(Alert.Array[1, 5], Gen.OneOf("\n", "\r\n", "\n\n", "\n \t\n"), Gen.Bool);
        bodies.Sample((alerts, separator, finalNewline) =>
        {
            var texts = alerts.Select(a => a.ToJson()).ToArray();
            var array = ReadJson("[" + string.Join(",", texts) + "]");
            var lines = AlertReader.ReadNdjson(Encoding.UTF8.GetBytes(string.Join(separator, texts) + (finalNewline ? "\n" : "")));
            Assert.True(array.Ok, string.Join("; ", array.Errors));
            Assert.True(lines.Ok, string.Join("; ", lines.Errors));
            Assert.Equal(texts, array.Alerts.Select(a => a.ToJson()));
            Assert.Equal(texts, lines.Alerts.Select(a => a.ToJson()));
        }, iter: Generators.Iterations / 3, threads: 1);
    }
}
