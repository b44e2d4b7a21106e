namespace FalcoHook.Core.Rules.Language;

/// <summary>A condition that does not parse: the message and the offset in the parsed text.</summary>
public sealed class ConditionSyntaxException(string message, TextPos pos) : Exception(message)
{
    public TextPos Pos { get; } = pos;
}
