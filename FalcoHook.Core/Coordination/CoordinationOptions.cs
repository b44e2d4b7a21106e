using FalcoHook.Core.Configuration;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// The keys of <c>FalcoHook:Storage</c> that concern several replicas on one PostgreSQL (the rest of the section is
/// <see cref="StorageOptions"/>).
/// </summary>
public sealed class CoordinationOptions
{
    public const string Section = StorageOptions.Section;

    /// <summary>
    /// How long the replicas may be without a leader (the one that runs the inbox drain, dedup and aggregation) after
    /// the leader's process or host is lost. A replica polls for the leader's lock every quarter of this; a leader that
    /// cannot reach the database for half of it steps down; the database ends a session it cannot reach within about
    /// three quarters of it. A leader killed on a reachable host loses its lock at once, so another takes over within
    /// a quarter.
    /// </summary>
    public TimeSpan FailoverTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the leader looks for new inbox rows that other replicas committed.</summary>
    public TimeSpan SharedInboxPoll { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a replica polls for leadership and checks the connection that holds it.</summary>
    public TimeSpan CheckInterval => FailoverTimeout / 4;
}

/// <summary>Checks the coordination keys of <c>FalcoHook:Storage</c> at start-up.</summary>
public sealed class CoordinationOptionsValidator : IValidateOptions<CoordinationOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinationOptions options)
    {
        var failures = new OptionsFailures(CoordinationOptions.Section);
        if (options.FailoverTimeout < TimeSpan.FromSeconds(1))
            failures.Add(nameof(CoordinationOptions.FailoverTimeout), $"must be at least 00:00:01 (got {options.FailoverTimeout}).");
        failures.Positive(nameof(CoordinationOptions.SharedInboxPoll), options.SharedInboxPoll);
        return failures.Result;
    }
}
