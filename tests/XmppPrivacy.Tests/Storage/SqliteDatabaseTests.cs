using System.Data.Common;
using XmppPrivacy.Hosting;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Storage;

public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static async Task<List<(string Feature, long Version, string Name)>> AppliedAsync(IDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT feature, version, name FROM schema_versions ORDER BY feature, version;";
        var applied = new List<(string, long, string)>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) applied.Add((rows.GetString(0), rows.GetInt64(1), rows.GetString(2)));
        return applied;
    }

    private static Schema Feature(string name, params Migration[] steps) => new(name, steps);

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
        var database = new SqliteDatabase(_directory.File("var/db/test.db"), Catalogue.Schemas);

        await database.MigrateAsync(CancellationToken.None);
        var first = await AppliedAsync(database);
        await database.MigrateAsync(CancellationToken.None);
        await new SqliteDatabase(_directory.File("var/db/test.db"), Catalogue.Schemas).MigrateAsync(CancellationToken.None);

        Assert.Equal(Catalogue.Schemas.SelectMany(s => s.Steps.Select(m => (s.Feature, (long)m.Version, m.Name))).OrderBy(a => a.Feature, StringComparer.Ordinal).ThenBy(a => a.Item2), first);
        Assert.Equal(first, await AppliedAsync(database));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM sweep_runs;"));
    }

    [Fact]
    public async Task Only_the_missing_migrations_are_applied()
    {
        var path = _directory.File("test.db");
        var v1 = new Migration(1, "one", "CREATE TABLE one (id INTEGER PRIMARY KEY);");
        var v2 = new Migration(2, "two", "CREATE TABLE two (id INTEGER PRIMARY KEY); INSERT INTO two (id) VALUES (1);");
        var other = new Migration(1, "other", "CREATE TABLE other (id INTEGER PRIMARY KEY);");

        await new SqliteDatabase(path, [Feature("a", v1)]).MigrateAsync(CancellationToken.None);
        var database = new SqliteDatabase(path, [Feature("a", v1, v2), Feature("b", other)]);
        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);

        Assert.Equal([("a", 1L, "one"), ("a", 2L, "two"), ("b", 1L, "other")], await AppliedAsync(database));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT COUNT(*) FROM two;"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_no_trace_of_itself()
    {
        var path = _directory.File("test.db");
        var v1 = new Migration(1, "one", "CREATE TABLE one (id INTEGER PRIMARY KEY);");
        var broken = new Migration(2, "broken", "CREATE TABLE two (id INTEGER PRIMARY KEY); THIS IS NOT SQL;");
        var database = new SqliteDatabase(path, [Feature("a", v1, broken)]);

        await Assert.ThrowsAnyAsync<DbException>(() => database.MigrateAsync(CancellationToken.None));

        Assert.Equal([("a", 1L, "one")], await AppliedAsync(database));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'two';"));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_than_the_program_refuses_to_start()
    {
        var path = _directory.File("test.db");
        var database = new SqliteDatabase(path, Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var newest = Catalogue.Schemas.Single(s => s.Feature == "archive").Steps.Max(m => m.Version);
        await ScalarAsync(database, $"INSERT INTO schema_versions (feature, version, name, applied_ms) VALUES ('archive', {newest + 1}, 'from the future', 0);");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => new SqliteDatabase(path, Catalogue.Schemas).MigrateAsync(CancellationToken.None));

        Assert.Contains("archive", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"version {newest + 1}", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"version {newest})", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_are_in_wal_mode_with_full_synchronous_writes()
    {
        var database = new SqliteDatabase(_directory.File("test.db"), Catalogue.Schemas);

        Assert.Equal("wal", await ScalarAsync(database, "PRAGMA journal_mode;"));
        Assert.Equal(2L, await ScalarAsync(database, "PRAGMA synchronous;"));
        Assert.Equal(1L, await ScalarAsync(database, "PRAGMA foreign_keys;"));
    }

    [Fact]
    public async Task Cancelling_the_token_interrupts_a_running_statement_and_the_next_connection_is_unaffected()
    {
        var database = new SqliteDatabase(_directory.File("slow.db"), Catalogue.Schemas);
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

    [Fact]
    public async Task A_database_numbered_before_schemas_were_per_feature_keeps_its_data_and_is_upgraded_once()
    {
        var path = _directory.File("old.db");
        var old = new SqliteDatabase(path, []);
        await old.MigrateAsync(CancellationToken.None);
        await ScalarAsync(old, """
            DROP TABLE schema_versions;
            CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL);
            INSERT INTO schema_migrations VALUES (1, 'sweep runs', 1), (2, 'last activity', 2), (3, 'archive', 3);
            CREATE TABLE sweep_runs (name TEXT PRIMARY KEY, last_run_ms INTEGER NOT NULL, last_deleted INTEGER NOT NULL);
            CREATE TABLE last_activity (account TEXT PRIMARY KEY, last_login_ms INTEGER, last_logout_ms INTEGER);
            INSERT INTO last_activity VALUES ('Alice@localhost', 10, NULL), ('alice@localhost', 5, 20);
            """);
        foreach (var step in Catalogue.Schemas.Single(s => s.Feature == "archive").Steps.Where(m => m.Version == 1))
            await ScalarAsync(old, step.Sql);

        var database = new SqliteDatabase(path, Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);

        Assert.Contains(("sweeps", 1L, "sweep runs"), await AppliedAsync(database));
        Assert.Contains(("activity", 2L, "account keys lower-cased"), await AppliedAsync(database));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations';"));
        Assert.Equal("alice@localhost|10|20", await ScalarAsync(database, "SELECT account || '|' || last_login_ms || '|' || last_logout_ms FROM last_activity;"));
    }
}
