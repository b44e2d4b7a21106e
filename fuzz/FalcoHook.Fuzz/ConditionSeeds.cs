using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Fuzz;

/// <summary>Writes the conditions of every macro and rule in the given rules files as seeds for the condition target.</summary>
internal static class ConditionSeeds
{
    public static int Write(string directory, IEnumerable<string> rulesFiles)
    {
        Directory.CreateDirectory(directory);
        var definitions = RulesReader.Read(rulesFiles.Select(RulesFile.Read));
        var conditions = definitions.Macros.Items.Select(m => m.Condition.Text)
            .Concat(definitions.Rules.Items.Select(r => r.Condition.Text))
            .Where(text => text.Length is > 0 and <= 4096)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < conditions.Count; i++)
            File.WriteAllText(Path.Combine(directory, $"condition-{i:D4}.txt"), conditions[i]);
        Console.WriteLine($"{conditions.Count} conditions written to {directory}");
        return 0;
    }
}
