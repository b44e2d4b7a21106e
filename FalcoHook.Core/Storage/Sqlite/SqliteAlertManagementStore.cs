using System.Data.Common;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>Inhibition rules and time intervals put through the API, in the SQLite file (<see cref="AlertManagementTable"/>).</summary>
public sealed class SqliteAlertManagementStore(SqliteDatabase database) : AlertManagementTable
{
    protected override char Prefix => '$';

    protected override string NameOrder => "name"; // SQLite's default collation is byte-wise

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);
}
