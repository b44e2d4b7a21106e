using System.Diagnostics.CodeAnalysis;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// The compiled result of loading rules files: immutable and safe to evaluate from many threads at once.
/// A change compiles a new set; the host swaps it in atomically when <see cref="HasErrors"/> is false.
/// </summary>
public sealed class RuleSet
{
    private readonly Dictionary<string, SourceProgram> _programs;

    internal RuleSet(IReadOnlyList<CompiledRule> rules, IReadOnlyList<RuleDiagnostic> diagnostics,
        IReadOnlyList<IFieldProvider> providers, Dictionary<string, string[]> lists,
        Dictionary<string, ResolvedCondition> macros, Dictionary<string, SourceProgram> programs)
    {
        Rules = rules;
        Diagnostics = diagnostics;
        Providers = providers;
        Lists = lists;
        Macros = macros;
        _programs = programs;
    }

    /// <summary>Every rule that compiled, in load order (disabled ones and ones of unevaluated sources included).</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Errors and warnings of loading and compiling, each with file, line, column and item.</summary>
    public IReadOnlyList<RuleDiagnostic> Diagnostics { get; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public IReadOnlyList<IFieldProvider> Providers { get; }

    /// <summary>The sources this set can evaluate (those with a provider and at least one field used).</summary>
    public IEnumerable<string> EvaluatedSources => _programs.Keys;

    internal SourceProgram? ProgramOf(string source) => _programs.GetValueOrDefault(source);

    internal Dictionary<string, string[]> Lists { get; }
    internal Dictionary<string, ResolvedCondition> Macros { get; }

    public static RuleSet Empty { get; } = Load([], []);

    /// <summary>
    /// Loads and compiles rules files in order (like Falco's <c>rules_files</c>) against the given providers.
    /// <paramref name="cancellationToken"/> is checked between items, lists, macros and rules: cancelling stops
    /// the work with <see cref="OperationCanceledException"/>.
    /// </summary>
    public static RuleSet Load(IEnumerable<RulesFile> files, IEnumerable<IFieldProvider> providers, CancellationToken cancellationToken = default) =>
        RuleSetCompiler.Compile(RulesReader.Read(files, cancellationToken), providers.ToArray(), cancellationToken);

    /// <summary>
    /// Reads the files at <paramref name="paths"/> (in this order) and compiles them. A file that cannot be
    /// read is an error diagnostic, not an exception.
    /// </summary>
    public static RuleSet LoadFiles(IEnumerable<string> paths, IEnumerable<IFieldProvider> providers)
    {
        var definitions = new RuleDefinitions();
        foreach (var path in paths)
        {
            RulesFile file;
            try
            {
                file = RulesFile.Read(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                definitions.Files.Add(path);
                definitions.Diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, $"cannot read the file: {e.Message}",
                    new SourceLocation(path, 1, 1)));
                continue;
            }
            RulesReader.Read(file, definitions);
        }
        return RuleSetCompiler.Compile(definitions, providers.ToArray());
    }

    /// <summary>The names of the lists, in definition order.</summary>
    public IEnumerable<string> ListNames => Lists.Keys;

    /// <summary>A list's items (nested lists flattened).</summary>
    public bool TryGetList(string name, [NotNullWhen(true)] out IReadOnlyList<string>? items)
    {
        items = Lists.TryGetValue(name, out var found) ? found : null;
        return items is not null;
    }

    /// <summary>The names of the macros that compiled.</summary>
    public IEnumerable<string> MacroNames => Macros.Keys;

    /// <summary>A macro's condition with lists and macros substituted, printed like libsinsp.</summary>
    public bool TryGetMacro(string name, [NotNullWhen(true)] out string? condition)
    {
        condition = Macros.TryGetValue(name, out var found) ? AstPrinter.Print(found.Expr) : null;
        return condition is not null;
    }

    /// <summary>A rule by name, or null.</summary>
    public CompiledRule? Find(string name) => Rules.FirstOrDefault(r => r.Name == name);

    /// <summary>
    /// The enabled rules of <paramref name="source"/> matching <paramref name="evt"/>, in load order: only the
    /// first with <see cref="RuleMatching.First"/>. Empty for a source this set does not evaluate.
    /// </summary>
    public IReadOnlyList<CompiledRule> Evaluate(string source, object evt, RuleMatching matching = RuleMatching.First)
    {
        if (!_programs.TryGetValue(source, out var program)) return [];
        if (matching == RuleMatching.First)
        {
            CompiledRule? first = null;
            program.Evaluate(evt, matching, null, ref first);
            return first is null ? [] : [first];
        }
        var results = new List<CompiledRule>();
        CompiledRule? unused = null;
        program.Evaluate(evt, matching, results, ref unused);
        return results;
    }

    /// <summary>
    /// As <see cref="Evaluate(string, object, RuleMatching)"/> for work with a budget (a dry run):
    /// <paramref name="cancellationToken"/> is checked between batches of rules. Ingest uses the overloads without it.
    /// </summary>
    public IReadOnlyList<CompiledRule> Evaluate(string source, object evt, RuleMatching matching, CancellationToken cancellationToken)
    {
        if (!_programs.TryGetValue(source, out var program)) return [];
        var results = new List<CompiledRule>();
        program.Evaluate(evt, matching, results, cancellationToken);
        return results;
    }

    /// <summary>As <see cref="Evaluate(string, object, RuleMatching)"/>, adding matches to <paramref name="results"/> (no allocation).</summary>
    public int Evaluate(string source, object evt, RuleMatching matching, List<CompiledRule> results)
    {
        if (!_programs.TryGetValue(source, out var program)) return 0;
        var before = results.Count;
        CompiledRule? first = null;
        program.Evaluate(evt, matching, results, ref first);
        if (first is not null) results.Add(first);
        return results.Count - before;
    }
}
