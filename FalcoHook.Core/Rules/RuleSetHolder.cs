using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Rules;

/// <summary>
/// The running rule set. Readers take <see cref="Current"/> once per batch; a change compiles a whole new
/// set and swaps it in atomically, and a set with errors is refused while the old one keeps running.
/// </summary>
public sealed class RuleSetHolder
{
    private readonly IOptionsMonitor<RulesOptions> _options;
    private readonly string _baseDirectory;
    private RuleSet _current = RuleSet.Empty;

    public RuleSetHolder(IEnumerable<IFieldProvider> providers, IOptionsMonitor<RulesOptions> options, string baseDirectory)
    {
        Providers = providers.ToArray();
        _options = options;
        _baseDirectory = baseDirectory;
    }

    public IReadOnlyList<IFieldProvider> Providers { get; }

    public RuleSet Current => Volatile.Read(ref _current);

    public bool Loaded { get; private set; }

    public RuleMatching Matching => _options.CurrentValue.RuleMatching;

    /// <summary>
    /// The files the configured paths name now, in load order, as Falco's <c>rules_files</c> (a folder gives
    /// its *.yaml and *.yml files, sorted). Relative paths are taken from the base directory.
    /// </summary>
    public IReadOnlyList<string> ConfiguredFiles()
    {
        var paths = _options.CurrentValue.Paths.Select(p => Path.GetFullPath(p, _baseDirectory));
        try
        {
            return RulesFile.ExpandPaths(paths);
        }
        catch (FileNotFoundException e)
        {
            throw new RulesLoadException($"{RulesOptions.Section}:Paths names '{e.FileName}', which does not exist " +
                                         $"(relative paths are taken from {_baseDirectory}).", []);
        }
    }

    /// <summary>Compiles the configured files and, when they compile, makes them the running set.</summary>
    public RuleSet Reload()
    {
        var files = ConfiguredFiles();
        var set = RuleSet.LoadFiles(files, Providers);
        if (set.HasErrors) throw new RulesLoadException($"The rules in {RulesOptions.Section}:Paths do not compile.", set.Diagnostics);
        Swap(set);
        return set;
    }

    /// <summary>Makes <paramref name="set"/> the running set (it must have no errors).</summary>
    public void Swap(RuleSet set)
    {
        if (set.HasErrors) throw new ArgumentException("A rule set with errors cannot run.", nameof(set));
        Volatile.Write(ref _current, set);
        Loaded = true;
    }
}

/// <summary>Rules that could not be loaded, with every diagnostic (<c>file:line:col: error: message</c>).</summary>
public sealed class RulesLoadException(string message, IReadOnlyList<RuleDiagnostic> diagnostics)
    : Exception(diagnostics.Count == 0 ? message
        : message + Environment.NewLine + string.Join(Environment.NewLine, diagnostics.Where(d => d.IsError)))
{
    public IReadOnlyList<RuleDiagnostic> Diagnostics { get; } = diagnostics;
}
