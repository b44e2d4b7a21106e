using FalcoHook.Core.Rules.Loading;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// Watches the rules paths (a folder's *.yaml/*.yml files, or a named file) and, once changes have been quiet
/// for <see cref="RulesOptions.WatchDebounce"/>, reloads through <see cref="RuleManagementService"/>:
/// a set that compiles is swapped in; one that does not is logged and the running set stays.
/// </summary>
public sealed partial class RulesFileWatcher(RuleSetHolder holder, RuleManagementService management,
    IOptions<RulesOptions> options, ILogger<RulesFileWatcher> logger) : BackgroundService
{
    private readonly AsyncAutoResetSignal _changed = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Watch) return;
        var watchers = StartWatchers();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _changed.WaitAsync(stoppingToken).ConfigureAwait(false);
                // Debounce: wait until no change arrived for a whole quiet period.
                while (await _changed.WaitAsync(options.Value.WatchDebounce, stoppingToken).ConfigureAwait(false)) { }
                await management.ReloadFilesAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var watcher in watchers) watcher.Dispose();
        }
    }

    private List<FileSystemWatcher> StartWatchers()
    {
        var watchers = new List<FileSystemWatcher>();
        IReadOnlyList<string> paths;
        try
        {
            paths = holder.ConfiguredPaths();
        }
        catch (RulesLoadException e)
        {
            LogCannotWatch(e.Message);
            return watchers;
        }
        foreach (var path in paths)
        {
            // The whole folder is watched, any event counts: a Kubernetes ConfigMap volume updates by swapping a
            // "..data" symlink, which no *.yaml filter would see. A needless reload only recompiles the same text.
            var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(path);
            if (directory is null || !Directory.Exists(directory)) continue;
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            FileSystemEventHandler onChange = (_, _) => _changed.Set();
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Deleted += onChange;
            watcher.Renamed += (_, _) => _changed.Set();
            watcher.EnableRaisingEvents = true;
            watchers.Add(watcher);
            LogWatching(path);
        }
        return watchers;
    }

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "Watching rules path {Path} for changes")]
    private partial void LogWatching(string path);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Cannot watch the rules paths: {Reason}")]
    private partial void LogCannotWatch(string reason);
}

/// <summary>A signal that remembers one Set until awaited (auto-reset).</summary>
internal sealed class AsyncAutoResetSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try { _semaphore.Release(); } catch (SemaphoreFullException) { }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _semaphore.WaitAsync(cancellationToken);

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
