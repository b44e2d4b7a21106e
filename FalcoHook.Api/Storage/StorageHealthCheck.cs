using FalcoHook.Core.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FalcoHook.Api.Storage;

/// <summary>Readiness: the database opens and answers a query (so an accepted alert can be stored).</summary>
public sealed class StorageHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy($"schema version {database.SchemaVersion}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the database does not answer: " + e.GetType().Name);
        }
    }
}
