using System.Net;
using System.Net.Http.Json;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Tests.RulesApi;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// Two services over one database (one SQLite file here): a rule change through one replica's API is what the other
/// takes in when told (<see cref="RuleManagementService.ApplyStoredAsync"/>, which the PostgreSQL change feed calls);
/// a change that does not compile is refused before it is stored, so there is nothing for the other to take in.
/// </summary>
public sealed class RuleChangeAcrossReplicasTests
{
    [Fact]
    public async Task A_rule_stored_through_one_replica_is_taken_in_by_the_other_and_a_broken_one_is_never_stored()
    {
        using var dir = new TempDirectory();
        var database = $"Data Source={dir.File("shared.db")}";
        await using var first = new RulesApiFactory();
        first.With("FalcoHook:Storage:ConnectionString", database);
        await using var second = new RulesApiFactory();
        second.With("FalcoHook:Storage:ConnectionString", database);
        var client = first.Client();
        second.Client().Dispose(); // started

        var created = await client.PostAsJsonAsync("/api/v1/rules", Rule("Made on the first replica"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var holder = second.Services.GetRequiredService<RuleSetHolder>();
        var management = second.Services.GetRequiredService<RuleManagementService>();
        Assert.Null(holder.Current.Find("Made on the first replica"));
        Assert.True(await management.ApplyStoredAsync(CancellationToken.None));
        Assert.NotNull(holder.Current.Find("Made on the first replica"));
        Assert.False(await management.ApplyStoredAsync(CancellationToken.None)); // nothing newer

        var store = first.Services.GetRequiredService<IManagedRulesStore>();
        var version = (await store.LoadAsync(CancellationToken.None))!.Version;
        var broken = await client.PostAsJsonAsync("/api/v1/rules", Rule("Does not compile", condition: "no_such_macro and ka.verb = get"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Equal(version, (await store.LoadAsync(CancellationToken.None))!.Version);
        Assert.False(await management.ApplyStoredAsync(CancellationToken.None));
        Assert.Null(holder.Current.Find("Does not compile"));
    }
}
