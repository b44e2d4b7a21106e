using YamlDotNet.Core;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>
/// Reads rules files in order into <see cref="RuleDefinitions"/>, applying <c>override</c>, the deprecated
/// <c>append: true</c>, redefinitions and the enabled-only form the way Falco's rule loader does. Every
/// problem becomes a diagnostic with file, line, column and item; reading goes on with the next item.
/// </summary>
public static class RulesReader
{
    public static RuleDefinitions Read(IEnumerable<RulesFile> files, CancellationToken cancellationToken = default)
    {
        var definitions = new RuleDefinitions();
        foreach (var file in files) Read(file, definitions, cancellationToken);
        return definitions;
    }

    /// <summary>Reads one file into <paramref name="definitions"/>; <paramref name="cancellationToken"/> is checked between items.</summary>
    public static void Read(RulesFile file, RuleDefinitions definitions, CancellationToken cancellationToken = default)
    {
        definitions.Files.Add(file.Name);
        List<YNode?> documents;
        try
        {
            documents = YamlTree.Parse(file.Text, cancellationToken);
        }
        catch (YamlException e)
        {
            definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error,
                "invalid YAML: " + YamlMessage(e), At(file, e.Start)));
            return;
        }
        catch (YamlTreeException e)
        {
            definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, e.Message, At(file, e.At)));
            return;
        }
        var reader = new ItemReader(file, definitions);
        foreach (var document in documents)
        {
            if (document is null || document is YScalar { IsNull: true }) continue;
            if (document is not YSequence items)
            {
                reader.Error(document, "a rules file must be a YAML sequence of items (- rule: ..., - macro: ..., - list: ...)");
                continue;
            }
            foreach (var item in items.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                reader.ReadItem(item);
            }
        }
    }

    internal static SourceLocation At(RulesFile file, Mark mark) =>
        new(file.Name, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string YamlMessage(YamlException e)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is reported separately.
        var message = e.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
    }
}
