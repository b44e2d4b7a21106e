using FalcoHook.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace FalcoHook.Tests.Operations;

/// <summary>The repository's k8s/ folder, read with YamlDotNet into plain maps, lists and strings.</summary>
public static class Manifests
{
    public static string Directory => Path.Combine(SharedCorpus.RepositoryRoot, "k8s");

    /// <summary>A file of k8s/ (or any file, given its full path).</summary>
    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Every YAML document of a file (multi-document aware), as plain objects.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> Documents(string file) =>
        Parse(File.ReadAllText(PathOf(file))).OfType<Dictionary<string, object?>>().ToList();

    /// <summary>Every YAML document of a text, as plain maps, lists and strings.</summary>
    public static IReadOnlyList<object?> Parse(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml)) stream.Load(reader);
        return stream.Documents.Select(d => ToPlain(d.RootNode)).ToList();
    }

    public static Dictionary<string, object?> Single(string file) => Assert.Single(Documents(file));

    /// <summary>The resources kustomization.yaml lists.</summary>
    public static IReadOnlyList<string> KustomizationResources() =>
        List(Single("kustomization.yaml"), "resources").Cast<string>().ToList();

    /// <summary>k8s/ as <c>kubectl kustomize k8s/</c> renders it.</summary>
    public static RenderedManifests Base { get; } = new(Directory);

    /// <summary>k8s/ha/, the several-replica overlay, rendered.</summary>
    public static RenderedManifests HighAvailability { get; } = new(Path.Combine(Directory, "ha"));

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

/// <summary>One kustomization folder rendered (<see cref="Kustomize"/>): the objects <c>kubectl apply -k</c> would send.</summary>
public sealed class RenderedManifests(string directory)
{
    private readonly Lazy<IReadOnlyList<Dictionary<string, object?>>> _resources = new(() => Kustomize.Render(directory));

    public string Directory => directory;

    /// <summary>The rendered objects (rendered once; read them, do not change them).</summary>
    public IReadOnlyList<Dictionary<string, object?>> Resources() => _resources.Value;

    public Dictionary<string, object?> Resource(string kind, string? name = null) =>
        Assert.Single(_resources.Value, r => (string?)r["kind"] == kind && (name is null || Manifests.Str(r, "metadata", "name") == name));

    public Dictionary<string, object?> Deployment() => Resource("Deployment");

    public Dictionary<string, object?> PodSpec() => Manifests.Map(Deployment(), "spec", "template", "spec");

    public Dictionary<string, object?> Container() =>
        (Dictionary<string, object?>)Assert.Single(Manifests.List(PodSpec(), "containers"))!;

    public override string ToString() => Path.GetRelativePath(SharedCorpus.RepositoryRoot, directory);
}
