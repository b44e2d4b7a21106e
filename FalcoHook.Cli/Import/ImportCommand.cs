using System.Text.Json;

namespace FalcoHook.Cli.Import;

/// <summary>
/// <c>falcohook import falcosidekick &lt;config.yaml&gt;</c> or <c>--env [file]</c> (the process environment, or a
/// <c>KEY=value</c> file): prints the equivalent FalcoHook configuration as JSON on stdout and each setting not
/// carried over, with the reason, on stderr.
/// </summary>
public static class ImportCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error, IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        if (args is not ["falcosidekick", _, ..] || args.Length > 3) return Usage.Print(error);
        Dictionary<string, object?> config;
        try
        {
            config = args[1] == "--env"
                ? FalcosidekickConfig.FromEnvironment(args.Length == 3
                    ? FalcosidekickConfig.ParseEnvFile(File.ReadAllText(args[2]))
                    : environment ?? ProcessEnvironment())
                : FalcosidekickConfig.FromYaml(File.ReadAllText(args[1]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            error.WriteLine($"{args[^1]}: error: {e.Message}");
            return 1;
        }
        var result = FalcosidekickImport.Convert(config, FalcosidekickImport.AvailableTypes());
        output.WriteLine(result.Configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        foreach (var item in result.NotCarried) error.WriteLine($"not carried over: {item}");
        return 0;
    }

    private static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, e.Value as string ?? ""))
            .Where(e => FalcosidekickImport.IsFalcosidekickVariable(e.Key));
}
