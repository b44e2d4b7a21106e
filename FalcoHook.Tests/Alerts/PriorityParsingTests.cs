using FalcoHook.Core.Alerts;

namespace FalcoHook.Tests.Alerts;

public sealed class PriorityParsingTests
{
    [Theory]
    [InlineData("Critical", Priority.Critical)]
    [InlineData("critical", Priority.Critical)]
    [InlineData(" CRITICAL ", Priority.Critical)]
    [InlineData("Emergency", Priority.Emergency)]
    [InlineData("alert", Priority.Alert)]
    [InlineData("Error", Priority.Error)]
    [InlineData("WARNING", Priority.Warning)]
    [InlineData("Notice", Priority.Notice)]
    [InlineData("Informational", Priority.Informational)]
    [InlineData("info", Priority.Informational)]
    [InlineData("Info", Priority.Informational)]
    [InlineData("debug", Priority.Debug)]
    public void Falco_priority_names_parse_in_any_case_with_info_as_an_alias(string text, Priority expected)
    {
        Assert.True(Priorities.TryParse(text, out var priority));
        Assert.Equal(expected, priority);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("warn")]
    [InlineData("informationa")]
    [InlineData("critical!")]
    [InlineData("5")]
    public void Anything_else_is_not_a_priority(string? text)
    {
        Assert.False(Priorities.TryParse(text, out var priority));
        Assert.Equal(default, priority);
    }

    [Fact]
    public void Every_priority_reads_back_from_the_name_Falco_writes()
    {
        foreach (var priority in Enum.GetValues<Priority>())
        {
            Assert.True(Priorities.TryParse(priority.ToFalcoString(), out var parsed));
            Assert.Equal(priority, parsed);
        }
    }
}
