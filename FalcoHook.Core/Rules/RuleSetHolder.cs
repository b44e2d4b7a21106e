using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;
using FalcoHook.Core.Rules.Management;
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
    private RuleSetState _state = new(RuleSet.Empty, [], ManagedDocument.Empty);

    /// <summary>The running set and what it was compiled from, read together (one atomic read).</summary>
    public RuleSetState State => Volatile.Read(ref _state);

    public RuleSetHolder(IEnumerable<IFieldProvider> providers, IOptionsMonitor<RulesOptions> options, string baseDirectory)
    {
        Providers = providers.ToArray();
        _options = options;
        _baseDirectory = baseDirectory;
    }

    public IReadOnlyList<IFieldProvider> Providers { get; }

    public RuleSet Current => Volatile.Read(ref _state).Set;

    /// <summary>The rules files (as read) the running set was compiled from, in load order.</summary>
    public IReadOnlyList<RulesFile> Files => Volatile.Read(ref _state).Files;

    /// <summary>The managed document (rules written through the API) the running set was compiled from, after the files.</summary>
    public ManagedDocument Managed => Volatile.Read(ref _state).Managed;

    /// <summary>Sets the managed document the next <see cref="Reload"/> loads after the files (used at start-up).</summary>
    public void UseManaged(ManagedDocument managed)
    {
        var state = Volatile.Read(ref _state);
        Volatile.Write(ref _state, state with { Managed = managed });
    }

    public bool Loaded { get; private set; }

    public RuleMatching Matching => _options.CurrentValue.RuleMatching;

    /// <summary>
    /// The files the configured paths name now, in load order, as Falco's <c>rules_files</c> (a folder gives
    /// its *.yaml and *.yml files, sorted). Relative paths are taken from the base directory.
    /// </summary>
    public IReadOnlyList<string> ConfiguredFiles()
    {
        var paths = _options.CurrentValue.Paths.Select(p => Path.GetFullPath(p, _baseDirectory)).ToList();
        try
        {
            var files = new List<string>();
            foreach (var path in paths)
            {
                var expanded = RulesFile.ExpandPaths([path]);
                // A folder without rules files is a mistake worth stopping for (a wrong mount, a nested folder):
                // loading nothing would leave the audit webhook silently detecting nothing.
                if (expanded.Count == 0)
                    throw new RulesLoadException($"{RulesOptions.Section}:Paths names the folder '{path}', which holds no " +
                                                 "*.yaml or *.yml file (its subfolders are not read: name them instead).", []);
                files.AddRange(expanded);
            }
            return files;
        }
        catch (FileNotFoundException e)
        {
            throw new RulesLoadException($"{RulesOptions.Section}:Paths names '{e.FileName}', which does not exist " +
                                         $"(relative paths are taken from {_baseDirectory}).", []);
        }
    }

    /// <summary>The configured paths (files and folders) as full paths.</summary>
    public IReadOnlyList<string> ConfiguredPaths()
    {
        var paths = _options.CurrentValue.Paths.Select(p => Path.GetFullPath(p, _baseDirectory)).ToList();
        var missing = paths.FirstOrDefault(p => !Path.Exists(p));
        if (missing is not null)
            throw new RulesLoadException($"{RulesOptions.Section}:Paths names '{missing}', which does not exist.", []);
        return paths;
    }

    /// <summary>
    /// Compiles the configured files, then the managed document, and, when they compile, makes them the running
    /// set. Throws <see cref="RulesLoadException"/> (the running set untouched) when they do not.
    /// </summary>
    public RuleSet Reload()
    {
        var files = ReadConfiguredFiles();
        var managed = Managed;
        var set = Compile(files, managed);
        if (set.HasErrors)
        {
            throw new RulesLoadException(managed.Items.Count == 0
                ? $"The rules in {RulesOptions.Section}:Paths do not compile."
                : $"The rules in {RulesOptions.Section}:Paths followed by the managed rules do not compile.", set.Diagnostics);
        }
        Swap(set, files, managed);
        return set;
    }

    /// <summary>Reads the configured files now (a file that cannot be read throws <see cref="RulesLoadException"/>).</summary>
    public IReadOnlyList<RulesFile> ReadConfiguredFiles()
    {
        var files = new List<RulesFile>();
        foreach (var path in ConfiguredFiles())
        {
            try
            {
                files.Add(RulesFile.Read(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RulesLoadException($"Cannot read the rules file {path}: {e.Message}",
                    [new RuleDiagnostic(DiagnosticSeverity.Error, $"cannot read the file: {e.Message}", new SourceLocation(path, 1, 1))]);
            }
        }
        return files;
    }

    /// <summary>Compiles <paramref name="files"/>, then <paramref name="managed"/>, then any <paramref name="extra"/> files; swaps nothing.</summary>
    public RuleSet Compile(IReadOnlyList<RulesFile> files, ManagedDocument managed, params RulesFile[] extra) =>
        Compile(files, managed, CancellationToken.None, extra);

    /// <summary>As <see cref="Compile(IReadOnlyList{RulesFile}, ManagedDocument, RulesFile[])"/>; cancelling stops the compile.</summary>
    public RuleSet Compile(IReadOnlyList<RulesFile> files, ManagedDocument managed, CancellationToken cancellationToken, params RulesFile[] extra)
    {
        IEnumerable<RulesFile> all = files;
        if (managed.Items.Count > 0) all = all.Append(managed.ToRulesFile());
        return RuleSet.Load(all.Concat(extra), Providers, cancellationToken);
    }

    /// <summary>Makes <paramref name="set"/> the running set (it must have no errors).</summary>
    public void Swap(RuleSet set)
    {
        var state = Volatile.Read(ref _state);
        Swap(set, state.Files, state.Managed);
    }

    /// <summary>Makes <paramref name="set"/>, compiled from these files and managed document, the running set, atomically.</summary>
    public void Swap(RuleSet set, IReadOnlyList<RulesFile> files, ManagedDocument managed)
    {
        if (set.HasErrors) throw new ArgumentException("A rule set with errors cannot run.", nameof(set));
        Volatile.Write(ref _state, new RuleSetState(set, files, managed));
        Loaded = true;
    }
}

/// <summary>What runs, and what it was compiled from: the files' text as read, then the managed document.</summary>
public sealed record RuleSetState(RuleSet Set, IReadOnlyList<RulesFile> Files, ManagedDocument Managed);

/// <summary>Rules that could not be loaded, with every diagnostic (<c>file:line:col: error: message</c>).</summary>
public sealed class RulesLoadException(string message, IReadOnlyList<RuleDiagnostic> diagnostics)
    : Exception(diagnostics.Count == 0 ? message
        : message + Environment.NewLine + string.Join(Environment.NewLine, diagnostics.Where(d => d.IsError)))
{
    public IReadOnlyList<RuleDiagnostic> Diagnostics { get; } = diagnostics;
}
