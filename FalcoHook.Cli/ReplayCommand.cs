using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Cli;

/// <summary><c>falcohook replay</c>: run recorded events through rules offline and print the alerts as JSON lines.</summary>
public static class ReplayCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var rules = new List<string>();
        string? events = null;
        var source = K8sAuditFieldProvider.SourceName;
        var matching = RuleMatching.First;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--rules" when value is not null: rules.Add(value); i++; break;
                case "--events" when value is not null: events = value; i++; break;
                case "--source" when value is not null: source = value; i++; break;
                case "--matching" when value is "first" or "all":
                    matching = value == "all" ? RuleMatching.All : RuleMatching.First;
                    i++;
                    break;
                default:
                    error.WriteLine($"replay: unexpected argument '{args[i]}'");
                    return Usage.Print(error);
            }
        }
        if (rules.Count == 0 || events is null) return Usage.Print(error);

        var reader = FieldProviders.ReaderFor(source);
        if (reader is null)
        {
            error.WriteLine($"replay: this build has no field provider for source '{source}'");
            return 1;
        }
        RuleSet set;
        try
        {
            set = RuleSet.LoadFiles(RulesFile.ExpandPaths(rules), FieldProviders.Providers);
        }
        catch (FileNotFoundException e)
        {
            error.WriteLine($"{e.FileName}: error: {e.Message}");
            return 1;
        }
        if (set.HasErrors)
        {
            ValidateCommand.Report(set, rules.Count, error);
            return 1;
        }
        IEnumerable<object> items;
        try
        {
            items = reader(File.ReadAllText(events));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"{events}: error: {e.Message}");
            return 1;
        }
        var hostname = Environment.MachineName;
        foreach (var evt in items)
            foreach (var rule in set.Evaluate(source, evt, matching))
                output.WriteLine(rule.CreateAlert(evt, hostname).ToJson());
        return 0;
    }
}
