using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>A compile problem at a position of a condition (or of the text a macro came from).</summary>
internal readonly record struct CompileError(string Message, TextPos Pos);
