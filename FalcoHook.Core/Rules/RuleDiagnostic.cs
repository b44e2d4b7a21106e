namespace FalcoHook.Core.Rules;

public enum DiagnosticSeverity { Warning, Error }

/// <summary>A place in a rules file (1-based line and column), or in a standalone condition (line 1).</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>
/// One problem found while loading or compiling rules: where, how bad, what, and in which item
/// (<c>rule</c>/<c>macro</c>/<c>list</c> and its name) when there is one.
/// </summary>
public sealed record RuleDiagnostic(DiagnosticSeverity Severity, string Message, SourceLocation? Location,
    string? ItemKind = null, string? ItemName = null)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>file:line:col: error: message (rule 'X')</c>, the form compilers and editors understand.</summary>
    public override string ToString()
    {
        var where = Location is null ? "" : Location + ": ";
        var what = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var item = ItemName is null ? "" : $" ({ItemKind ?? "item"} '{ItemName}')";
        return $"{where}{what}: {Message}{item}";
    }
}
