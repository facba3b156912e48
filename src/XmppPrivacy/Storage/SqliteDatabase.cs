using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace XmppPrivacy.Storage;

/// <summary>SQLite in WAL mode with synchronous=FULL, so a write that returned survives a crash.</summary>
public sealed class SqliteDatabase : IDatabase
{
    private readonly string _connectionString;
    private readonly IReadOnlyList<Migration> _migrations;

    public SqliteDatabase(string path, IReadOnlyList<Migration>? migrations = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _migrations = migrations ?? Migrations.All;
        FilePath = full;
    }

    /// <summary>Native connections whose PRAGMAs are set (forgotten when the pool closes them).</summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Prepared = new();

    public string FilePath { get; }
    public Dialect Dialect => Dialect.Sqlite;

    /// <summary>
    /// An open connection. Cancelling <paramref name="cancellationToken"/> while it is open interrupts the
    /// statement running on it (<c>sqlite3_interrupt</c>), which then fails: Microsoft.Data.Sqlite only looks
    /// at the token before a statement starts, and a slow query must not run on after its deadline.
    /// </summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new InterruptibleConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Settings stay with the native connection, which the pool hands out again: set them once per handle.
        if (connection.Handle is { } handle && !Prepared.TryGetValue(handle, out _))
        {
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            Prepared.TryAdd(handle, handle);
        }
        connection.InterruptOn(cancellationToken);
        return connection;
    }

    /// <summary>A connection whose running statement a token interrupts, until the connection is closed.</summary>
    private sealed class InterruptibleConnection(string connectionString) : SqliteConnection(connectionString)
    {
        private CancellationTokenRegistration _interrupt;

        public void InterruptOn(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled && Handle is { } handle)
                _interrupt = cancellationToken.Register(() => SQLitePCL.raw.sqlite3_interrupt(handle));
        }

        public override void Close()
        {
            // Before the handle goes back to the pool, so a late cancellation never reaches its next user.
            _interrupt.Dispose();
            base.Close();
        }
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await Execute(connection, null,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL);",
            cancellationToken);
        var applied = new HashSet<int>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT version FROM schema_migrations;";
            await using var rows = await read.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken)) applied.Add(rows.GetInt32(0));
        }
        var newest = _migrations.Count == 0 ? 0 : _migrations.Max(m => m.Version);
        if (applied.Count > 0 && applied.Max() > newest)
            throw new InvalidOperationException($"The database schema (version {applied.Max()}) is newer than this program (version {newest}).");
        foreach (var migration in _migrations.OrderBy(m => m.Version).Where(m => !applied.Contains(m.Version)))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Execute(connection, transaction, migration.Sqlite, cancellationToken);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($v, $n, $t);";
            record.Parameters.Add(new SqliteParameter("$v", migration.Version));
            record.Parameters.Add(new SqliteParameter("$n", migration.Name));
            record.Parameters.Add(new SqliteParameter("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            await record.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
