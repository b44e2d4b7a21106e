using System.Data.Common;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// Inhibition rules and time intervals put through the API, in PostgreSQL (<see cref="AlertManagementTable"/>); the
/// catalogs reread them when another replica changed them.
/// </summary>
public sealed class PostgresAlertManagementStore(PostgresDatabase database) : AlertManagementTable
{
    protected override char Prefix => '@';

    protected override string NameOrder => "name COLLATE \"C\"";

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);
}
