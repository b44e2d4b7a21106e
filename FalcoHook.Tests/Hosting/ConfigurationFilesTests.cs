using FalcoHook.Api.Hosting;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace FalcoHook.Tests.Hosting;

/// <summary>
/// The configuration files are reloaded by polling each file, and the host's own watcher (the whole content root with
/// its folders, data directory included) is never asked for: with <see cref="ConfigurationFiles.HostArguments"/> the host
/// adds its files without reloading, and <see cref="ConfigurationFiles.WatchByPolling"/> makes each a polled one.
/// </summary>
public sealed class ConfigurationFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("falcohook-config-").FullName;

    [Fact]
    public void With_the_host_arguments_the_host_adds_its_files_without_a_watcher()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ConfigurationFiles.HostArguments([]), ContentRootPath = _root });

        var files = builder.Configuration.Sources.OfType<JsonConfigurationSource>().ToList();

        Assert.Contains(files, f => f.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.ReloadOnChange, $"{f.Path} is reloaded by the host's watcher"));
    }

    [Fact]
    public void The_arguments_given_follow_the_hosts_so_they_still_override_it()
    {
        Assert.Equal(["--hostBuilder:reloadConfigOnChange=false", "--urls", "http://127.0.0.1:1"],
            ConfigurationFiles.HostArguments(["--urls", "http://127.0.0.1:1"]));
    }

    [Fact]
    public async Task A_changed_file_is_read_again_by_polling()
    {
        var file = Path.Combine(_root, "appsettings.json");
        await File.WriteAllTextAsync(file, """{ "FalcoHook": { "InstanceName": "before" } }""");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ConfigurationFiles.HostArguments([]), ContentRootPath = _root });
        Assert.Equal("before", builder.Configuration["FalcoHook:InstanceName"]);

        ConfigurationFiles.WatchByPolling(builder.Configuration.Sources, _root);

        Assert.All(builder.Configuration.Sources.OfType<JsonConfigurationSource>(), f =>
        {
            Assert.True(f.ReloadOnChange);
            // Once its watcher exists a provider reports UsePollingFileWatcher as false whatever it uses; ours alone
            // poll actively (the polled source itself is checked in the test below).
            var provider = Assert.IsType<PhysicalFileProvider>(f.FileProvider);
            Assert.True(provider.UseActivePolling, $"{f.Path} is not polled");
            Assert.Equal(Path.TrimEndingDirectorySeparator(_root), Path.TrimEndingDirectorySeparator(provider.Root));
        });
        Assert.Equal("before", builder.Configuration["FalcoHook:InstanceName"]);

        await File.WriteAllTextAsync(file, """{ "FalcoHook": { "InstanceName": "after" } }""");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        await Eventually.TrueAsync(() => builder.Configuration["FalcoHook:InstanceName"] == "after", "the changed file to be read again");
    }

    [Fact]
    public void A_polled_source_reads_its_file_from_the_files_folder_with_a_polling_watcher()
    {
        var source = ConfigurationFiles.Polled(Path.Combine(_root, "appsettings.json"), optional: true);

        var provider = Assert.IsType<PhysicalFileProvider>(source.FileProvider);
        Assert.True(provider.UsePollingFileWatcher);
        Assert.True(provider.UseActivePolling);
        Assert.Equal("appsettings.json", source.Path);
        Assert.True(source.ReloadOnChange);
        Assert.Equal(Path.TrimEndingDirectorySeparator(_root), Path.TrimEndingDirectorySeparator(provider.Root));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
