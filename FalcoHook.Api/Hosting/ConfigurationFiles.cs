using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace FalcoHook.Api.Hosting;

/// <summary>
/// The configuration files (<c>appsettings.json</c> and its environment's) are reloaded when they change. Each file is
/// polled every few seconds. The host's default watcher is not used: it watches the whole content root with every
/// folder below it. With the data directory there (the container's <c>/app/data</c>, <c>data/</c> in a checkout), every
/// SQLite write woke that watcher's thread, which took about 6 % of the service's CPU under load.
/// </summary>
public static class ConfigurationFiles
{
    /// <summary>
    /// The host's arguments: <paramref name="args"/> after one that makes the host add its files without a watcher.
    /// <see cref="WatchByPolling"/> then makes each of them a polled one.
    /// </summary>
    public static string[] HostArguments(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];

    /// <summary>Replaces each JSON file source in <paramref name="sources"/> with a polled one of the same file.</summary>
    public static void WatchByPolling(IList<IConfigurationSource> sources, string contentRoot)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource { Path: { } path } json) continue;
            var root = (json.FileProvider as PhysicalFileProvider)?.Root ?? contentRoot;
            sources[i] = Polled(Path.GetFullPath(Path.Combine(root, path)), json.Optional);
        }
    }

    /// <summary>A JSON file source that polls <paramref name="file"/> (a full path) for changes and reloads it.</summary>
    public static JsonConfigurationSource Polled(string file, bool optional) => new()
    {
        Path = Path.GetFileName(file),
        Optional = optional,
        ReloadOnChange = true,
        FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(file)!) { UsePollingFileWatcher = true, UseActivePolling = true },
    };
}
