using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// Copies the events a history file of an older schema held (kept as <see cref="SqliteEventSchema.OlderEvents"/> when the
/// file was upgraded) into the current tables, in the background: newest first, in small transactions that take turns with
/// the recorder, each event with its <c>seq</c> and id and a new key, search entry and counts. Only what retention would
/// keep is copied (recorded within <c>Retention</c>, at most <c>MaxEvents</c>); the rest is deleted, then the table dropped.
/// </summary>
public sealed partial class SqliteEventUpgrade(SqliteEventDatabase database, IOptionsMonitor<EventsOptions> options, TimeProvider time,
    ILogger<SqliteEventUpgrade> logger) : BackgroundService
{
    /// <summary>Events copied per transaction.</summary>
    public const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await CopyAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            CopyFailed(logger, database.DataSource, e);
        }
    }

    /// <summary>Copies every older event retention would keep and drops the older table; returns how many were copied.</summary>
    public async Task<long> CopyAsync(CancellationToken cancellationToken)
    {
        long left;
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            left = await OlderCountAsync(connection, cancellationToken).ConfigureAwait(false);
            if (left < 0) return 0;
        }
        Copying(logger, left, database.DataSource);
        var settings = options.CurrentValue;
        var storedAfter = (time.GetUtcNow() - settings.Retention).ToUnixTimeMilliseconds();
        long copied = 0, dropped = 0;
        var copying = true;
        while (true)
        {
            using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT seq, kind, time, stored, notification FROM {SqliteEventSchema.OlderEvents} ORDER BY seq DESC LIMIT {BatchSize}";
            var rows = new List<(long Seq, EventKind Kind, long Time, long Stored, string Notification)>(BatchSize);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    rows.Add((reader.GetInt64(0), (EventKind)reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
            if (rows.Count == 0)
            {
                command.CommandText = $"DROP TABLE {SqliteEventSchema.OlderEvents}";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            if (copying)
            {
                using var writer = new SqliteEventWriter(connection, transaction);
                foreach (var row in rows)
                {
                    if (row.Stored < storedAfter || copied >= settings.MaxEvents)
                    {
                        copying = false;
                        break;
                    }
                    if (Alert(row.Notification) is { } alert &&
                        await writer.CopyOlderAsync(row.Seq, row.Kind, row.Time, alert, cancellationToken).ConfigureAwait(false))
                        copied++;
                }
                await writer.FlushCountsAsync(cancellationToken).ConfigureAwait(false);
            }
            command.CommandText = $"DELETE FROM {SqliteEventSchema.OlderEvents} WHERE seq >= $last";
            command.Parameters.AddWithValue("$last", rows[^1].Seq);
            dropped += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        Copied(logger, copied, dropped - copied, database.DataSource);
        return copied;
    }

    /// <summary>The alert of a stored notification; null (the event is not copied) when it cannot be read.</summary>
    private static FalcoAlert? Alert(string notification)
    {
        try
        {
            return NotificationJson.Deserialize(notification).Alert;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The rows of the older table; -1 when there is none.</summary>
    private static async Task<long> OlderCountAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{SqliteEventSchema.OlderEvents}'";
        if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0) return -1;
        command.CommandText = $"SELECT COUNT(*) FROM {SqliteEventSchema.OlderEvents}";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    [LoggerMessage(EventId = 1905, Level = LogLevel.Information,
        Message = "Alert history: copying {Count} events of the older schema in {File} into the current one, in the background")]
    private static partial void Copying(ILogger logger, long count, string file);

    [LoggerMessage(EventId = 1906, Level = LogLevel.Information,
        Message = "Alert history: {Copied} events of the older schema copied into {File}; {Left} not copied (past retention, over the maximum, stored already or unreadable)")]
    private static partial void Copied(ILogger logger, long copied, long left, string file);

    [LoggerMessage(EventId = 1907, Level = LogLevel.Warning,
        Message = "Alert history: copying the events of the older schema in {File} failed; the rest stay in its table events_old and are copied at the next start")]
    private static partial void CopyFailed(ILogger logger, string file, Exception exception);
}
