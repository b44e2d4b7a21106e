using System.Net;
using System.Net.Sockets;
using System.Text;
using FalcoHook.Cli;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Tests.Cli;

/// <summary><c>falcohook storage migrate</c>: a SQLite file the service wrote, copied into a real PostgreSQL, twice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageMigrateCommandTests(PostgresFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Each table as PostgreSQL should hold it after the copy: the same columns, a delivery left sending as pending.</summary>
    private static readonly (string Table, string Columns, string Where)[] Tables =
    [
        ("silences", "id, matchers, starts_at, ends_at, created_by, comment, updated_at", ""),
        ("managed_rules", "id, version, document, updated, updated_by", ""),
        ("rule_changes", "id, at, actor, action, kind, name, before, after, version", ""),
        ("deliveries", "id, destination, notification, CASE state WHEN 'sending' THEN 'pending' ELSE state END, attempts, next_attempt_at, last_error, created, updated, trace_parent",
            "WHERE state <> 'delivered'"),
        ("inbox", "id, received, alert, trace_parent", ""),
        ("inbox_dead", "id, received, alert, trace_parent, error, attempts, dead_at", ""),
        ("pipeline_dedup", "fingerprint, first, repeats", ""),
        ("pipeline_groups", "key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first", ""),
        ("pipeline_inhibit", "key, source, seen", ""),
        ("pipeline_applied", "inbox_id", ""),
    ];

    [SkippableFact]
    public async Task A_file_the_service_wrote_is_copied_whole_into_PostgreSQL_and_a_second_run_copies_nothing()
    {
        PostgresServer.Require();
        var file = _dir.File("falcohook.db");
        var sqlite = $"Data Source={file}";
        await WriteWithTheServiceAsync(sqlite);
        await WriteLeftoversAsync(sqlite);
        var postgres = await fixture.Server.CreateDatabaseAsync("migrate");

        var (first, firstOutput) = Run("migrate", "--from", sqlite, "--to", postgres);
        var (second, secondOutput) = Run("migrate", "--from", sqlite, "--to", postgres);

        Assert.True(first == 0, firstOutput);
        Assert.True(second == 0, secondOutput);
        Assert.Contains("OK: 0 row(s) copied", secondOutput, StringComparison.Ordinal);
        _dir.ClosePooledConnections();
        foreach (var (table, columns, where) in Tables)
        {
            var expected = await SqliteRowsAsync(sqlite, $"SELECT {columns} FROM {table} {where}");
            Assert.True(expected.Count > 0, $"the test wrote no {table} rows");
            Assert.Equal(expected, await PostgresRowsAsync(postgres, $"SELECT {columns} FROM {table} {where}"));
        }
        Assert.DoesNotContain("delivered", string.Join('\n', await PostgresRowsAsync(postgres, "SELECT state FROM deliveries")));

        // A new inbox row takes an id past every id the file ever used (sqlite_sequence), so no delivery id repeats.
        var usedBefore = (await SqliteRowsAsync(sqlite, "SELECT seq FROM sqlite_sequence WHERE name = 'inbox'")).Single();
        await using var database = new PostgresDatabase(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = postgres }));
        var appended = await new PostgresInboxStore(database).AppendAsync([new InboxAppend([TestAlerts.Shell(99)])], DateTimeOffset.UnixEpoch, CancellationToken.None);
        Assert.True(appended[0].Id > long.Parse(usedBefore, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Missing_arguments_or_a_missing_file_are_refused_with_a_reason()
    {
        Assert.Equal(2, Run("migrate", "--from", "Data Source=x.db").Code);
        var (code, output) = Run("migrate", "--from", $"Data Source={_dir.File("none.db")}", "--to", "Host=127.0.0.1;Database=x");
        Assert.Equal(1, code);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("none.db")));
    }

    /// <summary>The service on the file: a silence and a rule through the API, alerts (one repeated) whose deliveries wait for a receiver that is down.</summary>
    private static async Task WriteWithTheServiceAsync(string sqlite)
    {
        using (var factory = new FalcoHookFactory()
            .WithApiKeys()
            .With("FalcoHook:Rules:Watch", "false")
            .With("FalcoHook:Storage:ConnectionString", sqlite)
            .With("FalcoHook:Destinations:down:Type", "webhook")
            .With("FalcoHook:Destinations:down:Url", $"http://127.0.0.1:{ClosedPort()}/hook"))
        {
            var client = factory.Client();
            var silence = await client.PostAsJsonAsync("/api/v1/silences", new
            {
                matchers = new[] { new { name = "k8s.ns.name", op = "=~", value = "kube-.*" } },
                endsAt = DateTimeOffset.UtcNow.AddDays(1),
                createdBy = "alice",
                comment = "maintenance",
            });
            Assert.Equal(HttpStatusCode.Created, silence.StatusCode);
            var rule = await client.PostAsJsonAsync("/api/v1/rules", new
            {
                name = "Migrated rule", desc = "test rule", condition = "ka.verb = delete and ka.target.resource = namespaces",
                output = "deleted %ka.target.name", priority = "WARNING", source = "k8s_audit", tags = new[] { "test" },
            });
            Assert.True(rule.IsSuccessStatusCode, await rule.Content.ReadAsStringAsync());
            foreach (var n in new[] { 1, 2, 2 })
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", new StringContent(TestAlerts.Shell(n, hostname: $"host-{n}").ToJson(), Encoding.UTF8, "application/json"))).StatusCode);
            var outbox = factory.Services.GetRequiredService<IOutboxStore>();
            await Eventually.TrueAsync(async () => (await outbox.ListAsync(new DeliveryQuery(), CancellationToken.None)).Items.Any(d => d.Attempts > 0),
                "a delivery to the receiver that is down was tried and waits for its retry");
        }
    }

    /// <summary>What the service's drain would have taken at once: rows still in the inbox, a dead inbox row, a dead delivery, one a crash left sending, and an inhibiting source.</summary>
    private static async Task WriteLeftoversAsync(string sqlite)
    {
        var database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = sqlite }));
        var inbox = new SqliteInboxStore(database);
        var rows = await inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(10), TestAlerts.Shell(11), TestAlerts.Shell(12)], "00-dddd-01")],
            DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.True(await inbox.MoveToDeadAsync(rows[0].Id, "unreadable", 3, DateTimeOffset.UtcNow, CancellationToken.None));
        var outbox = new SqliteOutboxStore(database);
        await outbox.AddAsync([new NewDelivery("dead-1", "gone", "{}"), new NewDelivery("sending-1", "gone", "{}")], DateTimeOffset.UtcNow, CancellationToken.None);
        await outbox.ClaimDueAsync("gone", DateTimeOffset.UtcNow, 2, CancellationToken.None);
        await outbox.MarkDeadAsync("dead-1", 1, "destination 'gone' is not configured", DateTimeOffset.UtcNow, CancellationToken.None);
        await outbox.AddAsync([new NewDelivery("delivered-1", "gone", "{}")], DateTimeOffset.UtcNow, CancellationToken.None);
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE deliveries SET state = 'delivered' WHERE id = 'delivered-1'; INSERT INTO pipeline_applied (inbox_id) VALUES (" + rows[1].Id + ");"
            + " INSERT INTO pipeline_inhibit (key, source, seen) VALUES ('0|node-1', 'escape-fingerprint', 639000000000000000);";
        await command.ExecuteNonQueryAsync();
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = StorageCommand.Run(args, output, error);
        return (code, output.ToString() + error);
    }

    private static async Task<List<string>> SqliteRowsAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await RowsAsync(await command.ExecuteReaderAsync());
    }

    private static async Task<List<string>> PostgresRowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await RowsAsync(await command.ExecuteReaderAsync());
    }

    /// <summary>Rows as text, sorted (the providers' own orders differ), NULL spelled out.</summary>
    private static async Task<List<string>> RowsAsync(System.Data.Common.DbDataReader reader)
    {
        var rows = new List<string>();
        await using (reader)
            while (await reader.ReadAsync())
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i =>
                    reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
