using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Pipeline;

/// <summary>A storm window's samples hold each field's distinct texts (as <see cref="AlertFields.ToText"/> gives them) once.</summary>
public sealed class AggregateSamplingTests
{
    private static FalcoAlert Alert(string fieldsJson)
    {
        using var document = JsonDocument.Parse(fieldsJson);
        return PipelineTestKit.Alert() is var alert
            ? new FalcoAlert
            {
                Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time,
                OutputFields = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            }
            : throw new InvalidOperationException();
    }

    [Fact]
    public void Each_distinct_text_is_sampled_once_whatever_its_JSON_kind()
    {
        var group = new AggregateGroup("k", new Dictionary<string, string>(), PipelineTestKit.Start, PipelineTestKit.Wrap(PipelineTestKit.Alert()));
        string[] alerts =
        [
            """{"s":"sh","n":1,"b":true,"z":null,"e":"a\u00e9","o":{"x":1}}""",
            """{"s":"sh","n":1,"b":true,"z":null,"e":"aé","o":{"x":1}}""",
            """{"s":"1","n":1.0,"b":"true","z":"null","e":"a\u00e9","o":{"x":1} }""",
            """{"s":"sh","n":1,"b":false,"z":null,"e":"b","o":{"x":2}}""",
        ];
        foreach (var json in alerts) group.Observe(Alert(json), sampleValues: 10, maxFields: 10);

        var samples = group.ToState(isNew: true, samplesChanged: true).Samples!;
        var byField = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(samples)!;
        Assert.Equal(["sh", "1"], byField["s"]);
        Assert.Equal(["1", "1.0"], byField["n"]);
        Assert.Equal(["true", "false"], byField["b"]);
        Assert.Equal(["null"], byField["z"]); // JSON null and the string "null" read alike
        Assert.Equal(["aé", "b"], byField["e"]);
        Assert.Equal(["""{"x":1}""", """{"x":2}"""], byField["o"]);
    }
}
