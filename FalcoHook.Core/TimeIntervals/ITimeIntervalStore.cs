namespace FalcoHook.Core.TimeIntervals;

/// <summary>A time interval put through the API: its name, its intervals (any covers) and when it was last put.</summary>
public sealed record StoredTimeInterval(string Name, IReadOnlyList<TimeIntervalOptions> Intervals, DateTimeOffset UpdatedAt);

/// <summary>Where the time intervals put through the API live (the configuration's stay in configuration).</summary>
public interface ITimeIntervalStore
{
    /// <summary>Every stored time interval, by name.</summary>
    Task<IReadOnlyList<StoredTimeInterval>> ListTimeIntervalsAsync(CancellationToken cancellationToken);

    /// <summary>Adds the time interval or replaces the one of that name; committed before it returns.</summary>
    Task PutTimeIntervalAsync(StoredTimeInterval interval, CancellationToken cancellationToken);

    /// <summary>Deletes the time interval of that name; false when there is none.</summary>
    Task<bool> DeleteTimeIntervalAsync(string name, CancellationToken cancellationToken);
}
