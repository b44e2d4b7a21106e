using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Engine;

namespace FalcoHook.Tests.Rules;

/// <summary>Silences, storm group keys and conditions read an alert's fields by the same names, through one provider.</summary>
public sealed class FalcoAlertFieldTextTests
{
    private static readonly FalcoAlert Sample = Read("""
        {"output":"shell in pod","priority":"Error","rule":"Shell","time":"2019-05-17T15:31:56.746609046Z","source":"syscall",
         "hostname":"node-1","tags":["shell","T1059"],
         "output_fields":{"proc.pid":4242,"k8s.ns.name":null,"container.mounts":["/a","/b"],"user.name":"root"}}
        """);

    private static FalcoAlert Read(string json)
    {
        var result = AlertReader.ReadJson(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        return Assert.Single(result.Alerts);
    }

    [Theory]
    [InlineData("falco.rule", "Shell")]
    [InlineData("falco.priority", "Error")]
    [InlineData("falco.source", "syscall")]
    [InlineData("falco.hostname", "node-1")]
    [InlineData("falco.tags", "shell,T1059")]
    [InlineData("falco.output", "shell in pod")]
    [InlineData("falco.time", "2019-05-17T15:31:56.746609046Z")]
    [InlineData("proc.pid", "4242")]
    [InlineData("user.name", "root")]
    [InlineData("container.mounts", "/a,/b")]
    [InlineData("k8s.ns.name", null)]
    [InlineData("not.there", null)]
    public void Text_is_a_single_value_as_it_is_and_a_list_joined_by_commas(string name, string? expected) =>
        Assert.Equal(expected, FalcoAlertFieldProvider.Text(Sample, name));

    [Fact]
    public void Every_own_field_a_condition_can_name_has_the_same_value_as_text()
    {
        var provider = new FalcoAlertFieldProvider();
        foreach (var field in provider.Fields)
        {
            var text = FalcoAlertFieldProvider.Text(Sample, field.Name);
            Assert.NotNull(text);
            var value = field.IsList ? text.Split(',')[0] : text;
            var condition = field.IsList ? $"{field.Name} intersects (\"{value}\")" : $"{field.Name} = \"{value}\"";
            var compiled = ConditionCompiler.Compile(condition, provider);
            Assert.True(compiled.Success, string.Join("\n", compiled.Errors));
            Assert.True(compiled.Condition!.Matches(Sample), condition);
        }
    }
}
