using System.Data.Common;
using FalcoHook.Core.Storage;

namespace FalcoHook.Cli;

/// <summary><c>falcohook storage migrate --from &lt;sqlite&gt; --to &lt;postgres&gt;</c>: copies a SQLite file's state into PostgreSQL.</summary>
public static class StorageCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.FirstOrDefault() != "migrate") return Usage.Print(error);
        string? from = null, to = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--from" when i + 1 < args.Length: from = args[++i]; break;
                case "--to" when i + 1 < args.Length: to = args[++i]; break;
                default:
                    error.WriteLine($"storage migrate: unexpected argument '{args[i]}'.");
                    return Usage.Print(error);
            }
        }
        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
        {
            error.WriteLine("storage migrate: --from <sqlite connection string> and --to <postgres connection string> are both required.");
            return Usage.Print(error);
        }
        return MigrateAsync(from, to, output, error).GetAwaiter().GetResult();
    }

    private static async Task<int> MigrateAsync(string from, string to, TextWriter output, TextWriter error)
    {
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(from).DataSource;
        if (string.IsNullOrEmpty(file) || !File.Exists(file))
        {
            error.WriteLine($"storage migrate: the SQLite file '{file}' does not exist.");
            return 1;
        }
        var validation = new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = to });
        if (validation.Failed)
        {
            error.WriteLine($"storage migrate: --to: {validation.FailureMessage}");
            return 1;
        }
        try
        {
            var copies = await StorageMigration.CopyAsync(from, to, CancellationToken.None);
            foreach (var copy in copies)
                output.WriteLine($"{copy.Table}: {copy.Read} read, {copy.Copied} copied, {copy.Read - copy.Copied} there already");
            output.WriteLine($"OK: {copies.Sum(c => c.Copied)} row(s) copied from {file}.");
            return 0;
        }
        catch (DbException e)
        {
            error.WriteLine($"storage migrate: {e.GetType().Name}: {e.Message} (nothing was copied)");
            return 1;
        }
    }
}
