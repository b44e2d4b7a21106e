using FalcoHook.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace FalcoHook.Tests.Operations;

/// <summary>The repository's k8s/ folder, read with YamlDotNet into plain maps, lists and strings.</summary>
public static class Manifests
{
    public static string Directory => Path.Combine(SharedCorpus.RepositoryRoot, "k8s");

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Every YAML document of a file (multi-document aware), as plain objects.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> Documents(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(PathOf(file))) stream.Load(reader);
        return stream.Documents.Select(d => ToPlain(d.RootNode)).OfType<Dictionary<string, object?>>().ToList();
    }

    public static Dictionary<string, object?> Single(string file) => Assert.Single(Documents(file));

    /// <summary>The resources kustomization.yaml lists.</summary>
    public static IReadOnlyList<string> KustomizationResources() =>
        List(Single("kustomization.yaml"), "resources").Cast<string>().ToList();

    /// <summary>Every document of every kustomization resource.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> Resources() =>
        KustomizationResources().SelectMany(Documents).ToList();

    public static Dictionary<string, object?> Resource(string kind, string? name = null) =>
        Assert.Single(Resources(), r => (string?)r["kind"] == kind && (name is null || Str(r, "metadata", "name") == name));

    public static Dictionary<string, object?> Deployment() => Resource("Deployment");

    public static Dictionary<string, object?> PodSpec() => Map(Deployment(), "spec", "template", "spec");

    public static Dictionary<string, object?> Container() =>
        (Dictionary<string, object?>)Assert.Single(List(PodSpec(), "containers"))!;

    public static object? Get(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not Dictionary<string, object?> map || !map.TryGetValue(key, out node))
                throw new Xunit.Sdk.XunitException($"No '{key}' at {string.Join('.', path)}");
        }
        return node;
    }

    public static Dictionary<string, object?> Map(object? node, params string[] path) =>
        Assert.IsType<Dictionary<string, object?>>(Get(node, path));

    public static List<object?> List(object? node, params string[] path) => Assert.IsType<List<object?>>(Get(node, path));

    public static string? Str(object? node, params string[] path) => (string?)Get(node, path);

    public static IEnumerable<Dictionary<string, object?>> Maps(object? node, params string[] path) =>
        List(node, path).Cast<Dictionary<string, object?>>();

    private static object? ToPlain(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ToPlain(c.Value), StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(ToPlain).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}
