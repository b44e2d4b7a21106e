using FalcoHook.Api.Destinations;
using FalcoHook.Core.Destinations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Support;

/// <summary>Destination settings checked the way start-up checks them.</summary>
internal static class DestinationSettings
{
    /// <summary>The validation failures of <paramref name="settings"/>; fails the test when there are none.</summary>
    public static List<string> Failures(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddDestinations(configuration).BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DestinationsOptions>>().Value).Failures.ToList();
    }
}
