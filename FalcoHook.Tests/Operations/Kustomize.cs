namespace FalcoHook.Tests.Operations;

/// <summary>
/// What <c>kubectl kustomize DIR</c> gives for the parts of kustomize that k8s/ and k8s/ha/ use: resources (files, and
/// folders holding a kustomization), <c>patches</c> (strategic-merge patches matched by kind and name, with
/// <c>$patch: delete</c> and merge keys for the lists we patch, and JSON 6902 patches with a <c>target</c>),
/// <c>namespace</c>, <c>labels</c> (metadata only, as without <c>includeSelectors</c>) and <c>images</c>.
/// Anything else in a kustomization fails the render, so a new feature there needs a line here.
/// </summary>
public static class Kustomize
{
    private static readonly HashSet<string> Supported = ["apiVersion", "kind", "namespace", "labels", "resources", "patches", "images"];

    /// <summary>Lists merged by a key in strategic-merge patches (Kubernetes' patchMergeKey for these fields).</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name", ["initContainers"] = "name", ["env"] = "name", ["volumes"] = "name",
        ["volumeMounts"] = "mountPath", ["ports"] = "containerPort", ["topologySpreadConstraints"] = "topologyKey",
    };

    /// <summary>Namespace-less kinds: the namespace transformer leaves them alone.</summary>
    private static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"];

    public static List<Dictionary<string, object?>> Render(string directory)
    {
        var kustomization = Manifests.Documents(Path.Combine(directory, "kustomization.yaml")).Single();
        var unknown = kustomization.Keys.Except(Supported).ToList();
        if (unknown.Count > 0) throw new NotSupportedException($"{directory}/kustomization.yaml: {string.Join(", ", unknown)} not rendered by this test");

        var resources = new List<Dictionary<string, object?>>();
        foreach (var entry in Strings(kustomization, "resources"))
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            resources.AddRange(Directory.Exists(path) ? Render(path) : Manifests.Documents(path));
        }
        foreach (var patch in Maps(kustomization, "patches"))
            Apply(directory, patch, resources);
        if (kustomization.TryGetValue("namespace", out var ns) && ns is string name)
            foreach (var resource in resources.Where(r => !ClusterScoped.Contains(Kind(r))))
                Metadata(resource)["namespace"] = name;
        foreach (var label in Maps(kustomization, "labels"))
            foreach (var resource in resources)
            {
                var labels = Child(Metadata(resource), "labels");
                foreach (var (key, value) in Manifests.Map(label, "pairs")) labels[key] = value;
            }
        foreach (var image in Maps(kustomization, "images"))
            foreach (var container in resources.SelectMany(Containers))
                if (container["image"] is string current && current.Split(':')[0] == Manifests.Str(image, "name"))
                    container["image"] = ((string?)image.GetValueOrDefault("newName") ?? current.Split(':')[0]) + ":" + Manifests.Str(image, "newTag");
        return resources;
    }

    private static void Apply(string directory, Dictionary<string, object?> entry, List<Dictionary<string, object?>> resources)
    {
        var file = (string?)entry.GetValueOrDefault("path") ?? throw new NotSupportedException("an inline patch");
        var text = File.ReadAllText(Path.Combine(directory, file));
        var target = entry.TryGetValue("target", out var t) ? (Dictionary<string, object?>?)t : null;
        var document = Manifests.Parse(text).Single();
        if (document is List<object?> operations)
        {
            var kind = Manifests.Str(target, "kind");
            var name = Manifests.Str(target, "name");
            var matched = resources.Where(r => Kind(r) == kind && Name(r) == name).ToList();
            if (matched.Count != 1) throw new InvalidOperationException($"{file}: {matched.Count} resources match {kind}/{name}");
            foreach (var operation in operations.Cast<Dictionary<string, object?>>()) JsonPatch(matched[0], operation, file);
            return;
        }
        var patch = (Dictionary<string, object?>)document!;
        var index = resources.FindIndex(r => Kind(r) == Kind(patch) && Name(r) == Name(patch));
        if (index < 0) throw new InvalidOperationException($"{file}: no {Kind(patch)}/{Name(patch)} to patch");
        if (patch.TryGetValue("$patch", out var directive) && (string?)directive == "delete") resources.RemoveAt(index);
        else Merge(resources[index], patch);
    }

    /// <summary>Strategic merge: maps merge, <c>null</c> removes a key, keyed lists merge by their key, other lists are replaced.</summary>
    private static void Merge(Dictionary<string, object?> target, Dictionary<string, object?> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null) target.Remove(key);
            else if (value is Dictionary<string, object?> map && target.TryGetValue(key, out var existing) && existing is Dictionary<string, object?> current)
                Merge(current, map);
            else if (value is List<object?> list && MergeKeys.TryGetValue(key, out var mergeKey) && target.TryGetValue(key, out var old) && old is List<object?> items)
                MergeList(items, list.Cast<Dictionary<string, object?>>(), mergeKey, key);
            else target[key] = Clean(value);
        }
    }

    private static void MergeList(List<object?> items, IEnumerable<Dictionary<string, object?>> patches, string mergeKey, string field)
    {
        foreach (var patch in patches)
        {
            var key = patch.TryGetValue(mergeKey, out var k) ? (string?)k : throw new InvalidOperationException($"a {field} patch without {mergeKey}");
            var index = items.FindIndex(i => i is Dictionary<string, object?> item && item.TryGetValue(mergeKey, out var v) && (string?)v == key);
            if (patch.TryGetValue("$patch", out var directive) && (string?)directive == "delete")
            {
                if (index < 0) throw new InvalidOperationException($"{field}: nothing with {mergeKey} {key} to delete");
                items.RemoveAt(index);
            }
            else if (index >= 0) Merge((Dictionary<string, object?>)items[index]!, patch);
            else items.Add(Clean(patch));
        }
    }

    /// <summary>JSON 6902 add, replace and remove on a path of map keys and list indexes (<c>-</c>: the end).</summary>
    private static void JsonPatch(Dictionary<string, object?> resource, Dictionary<string, object?> operation, string file)
    {
        var op = Manifests.Str(operation, "op");
        var segments = Manifests.Str(operation, "path")!.Split('/').Skip(1).Select(s => s.Replace("~1", "/").Replace("~0", "~")).ToList();
        object? parent = resource;
        foreach (var segment in segments[..^1])
            parent = parent switch
            {
                Dictionary<string, object?> map => map[segment],
                List<object?> list => list[int.Parse(segment)],
                _ => throw new InvalidOperationException($"{file}: no {segment} in {Manifests.Str(operation, "path")}"),
            };
        var last = segments[^1];
        operation.TryGetValue("value", out var value);
        switch (parent, op)
        {
            case (Dictionary<string, object?> map, "add" or "replace"): map[last] = value; break;
            case (Dictionary<string, object?> map, "remove"): map.Remove(last); break;
            case (List<object?> list, "add"): if (last == "-") list.Add(value); else list.Insert(int.Parse(last), value); break;
            case (List<object?> list, "replace"): list[int.Parse(last)] = value; break;
            case (List<object?> list, "remove"): list.RemoveAt(int.Parse(last)); break;
            default: throw new NotSupportedException($"{file}: op {op} at {Manifests.Str(operation, "path")}");
        }
    }

    /// <summary>A value added as it is, minus directives (a <c>$patch</c> on a new item means nothing to add).</summary>
    private static object? Clean(object? value) => value switch
    {
        Dictionary<string, object?> map => map.Where(p => !p.Key.StartsWith('$')).ToDictionary(p => p.Key, p => Clean(p.Value), StringComparer.Ordinal),
        List<object?> list => list.Select(Clean).ToList(),
        _ => value,
    };

    public static IEnumerable<Dictionary<string, object?>> Containers(Dictionary<string, object?> resource)
    {
        if (resource.GetValueOrDefault("spec") is not Dictionary<string, object?> spec
            || spec.GetValueOrDefault("template") is not Dictionary<string, object?> template
            || template.GetValueOrDefault("spec") is not Dictionary<string, object?> pod) return [];
        return new[] { "initContainers", "containers" }
            .SelectMany(k => pod.GetValueOrDefault(k) as List<object?> ?? []).Cast<Dictionary<string, object?>>();
    }

    private static string Kind(Dictionary<string, object?> resource) => (string?)resource.GetValueOrDefault("kind") ?? "";

    private static string Name(Dictionary<string, object?> resource) => Manifests.Str(resource, "metadata", "name") ?? "";

    private static Dictionary<string, object?> Metadata(Dictionary<string, object?> resource) => Child(resource, "metadata");

    private static Dictionary<string, object?> Child(Dictionary<string, object?> map, string key)
    {
        if (map.GetValueOrDefault(key) is not Dictionary<string, object?> child) map[key] = child = new(StringComparer.Ordinal);
        return child;
    }

    private static IEnumerable<string> Strings(Dictionary<string, object?> map, string key) =>
        (map.GetValueOrDefault(key) as List<object?> ?? []).Cast<string>();

    private static IEnumerable<Dictionary<string, object?>> Maps(Dictionary<string, object?> map, string key) =>
        (map.GetValueOrDefault(key) as List<object?> ?? []).Cast<Dictionary<string, object?>>();
}
