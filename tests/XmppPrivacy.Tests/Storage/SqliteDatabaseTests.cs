using System.Data.Common;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Storage;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static async Task<List<(long Version, string Name)>> AppliedAsync(IDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version;";
        var applied = new List<(long, string)>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) applied.Add((rows.GetInt64(0), rows.GetString(1)));
        return applied;
    }

    private static async Task<object?> ScalarAsync(IDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Migrations_apply_once_and_running_them_again_changes_nothing()
    {
        var database = new SqliteDatabase(_directory.File("var/db/test.db"));

        await database.MigrateAsync(CancellationToken.None);
        var first = await AppliedAsync(database);
        await database.MigrateAsync(CancellationToken.None);
        await new SqliteDatabase(_directory.File("var/db/test.db")).MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrations.All.Select(m => ((long)m.Version, m.Name)), first);
        Assert.Equal(first, await AppliedAsync(database));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM sweep_runs;"));
    }

    [Fact]
    public async Task Only_the_missing_migrations_are_applied()
    {
        var path = _directory.File("test.db");
        var v1 = new Migration(1, "one", "CREATE TABLE one (id INTEGER PRIMARY KEY);", "");
        var v2 = new Migration(2, "two", "CREATE TABLE two (id INTEGER PRIMARY KEY); INSERT INTO two (id) VALUES (1);", "");

        await new SqliteDatabase(path, [v1]).MigrateAsync(CancellationToken.None);
        var database = new SqliteDatabase(path, [v1, v2]);
        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);

        Assert.Equal([(1L, "one"), (2L, "two")], await AppliedAsync(database));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT COUNT(*) FROM two;"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_no_trace_of_itself()
    {
        var path = _directory.File("test.db");
        var v1 = new Migration(1, "one", "CREATE TABLE one (id INTEGER PRIMARY KEY);", "");
        var broken = new Migration(2, "broken", "CREATE TABLE two (id INTEGER PRIMARY KEY); THIS IS NOT SQL;", "");
        var database = new SqliteDatabase(path, [v1, broken]);

        await Assert.ThrowsAnyAsync<DbException>(() => database.MigrateAsync(CancellationToken.None));

        Assert.Equal([(1L, "one")], await AppliedAsync(database));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'two';"));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_than_the_program_refuses_to_start()
    {
        var path = _directory.File("test.db");
        var database = new SqliteDatabase(path);
        await database.MigrateAsync(CancellationToken.None);
        var newest = Migrations.All.Max(m => m.Version);
        await ScalarAsync(database, $"INSERT INTO schema_migrations (version, name, applied_ms) VALUES ({newest + 1}, 'from the future', 0);");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => new SqliteDatabase(path).MigrateAsync(CancellationToken.None));

        Assert.Contains($"version {newest + 1}", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"version {newest})", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_are_in_wal_mode_with_full_synchronous_writes()
    {
        var database = new SqliteDatabase(_directory.File("test.db"));

        Assert.Equal("wal", await ScalarAsync(database, "PRAGMA journal_mode;"));
        Assert.Equal(2L, await ScalarAsync(database, "PRAGMA synchronous;"));
        Assert.Equal(1L, await ScalarAsync(database, "PRAGMA foreign_keys;"));
        Assert.Equal(Dialect.Sqlite, database.Dialect);
    }

    [Fact]
    public async Task Cancelling_the_token_interrupts_a_running_statement_and_the_next_connection_is_unaffected()
    {
        var database = new SqliteDatabase(_directory.File("slow.db"));
        await database.MigrateAsync(CancellationToken.None);
        using var deadline = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Counts to 10^12: hours of work unless it is interrupted.
        var running = Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync(deadline.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000000) SELECT count(*) FROM c;";
            started.SetResult();
            return await command.ExecuteScalarAsync(CancellationToken.None);
        });
        await started.Task;
        await Task.Delay(200);
        await deadline.CancelAsync();

        var failure = await Assert.ThrowsAnyAsync<DbException>(() => running.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("interrupt", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, await ScalarAsync(database, "SELECT 1;"));
    }
}
