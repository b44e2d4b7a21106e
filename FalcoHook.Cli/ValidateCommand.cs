using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Cli;

/// <summary><c>falcohook validate</c>: load rules files together and report every problem.</summary>
public static class ValidateCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0) return Usage.Print(error);
        IReadOnlyList<string> files;
        try
        {
            files = RulesFile.ExpandPaths(args);
        }
        catch (FileNotFoundException e)
        {
            error.WriteLine($"{e.FileName}: error: {e.Message}");
            return 1;
        }
        var set = RuleSet.LoadFiles(files, FieldProviders.Providers);
        return Report(set, files.Count, output);
    }

    /// <summary>Prints the diagnostics of <paramref name="set"/> and a summary; 1 when there are errors.</summary>
    public static int Report(RuleSet set, int fileCount, TextWriter output)
    {
        foreach (var diagnostic in set.Diagnostics) output.WriteLine(diagnostic.ToString());
        var errors = set.Diagnostics.Count(d => d.IsError);
        var warnings = set.Diagnostics.Count - errors;
        if (errors > 0)
        {
            output.WriteLine($"{errors} error(s), {warnings} warning(s) in {fileCount} file(s).");
            return 1;
        }
        var evaluated = set.Rules.Count(r => r.IsEvaluated);
        output.WriteLine($"OK: {fileCount} file(s), {set.Rules.Count} rule(s) ({evaluated} evaluated, " +
            $"{set.Rules.Count - evaluated} checked only), {warnings} warning(s).");
        return 0;
    }
}
