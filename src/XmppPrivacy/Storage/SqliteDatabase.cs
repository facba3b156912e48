using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace XmppPrivacy.Storage;

/// <summary>
/// SQLite in WAL mode with synchronous=FULL, so a write that returned survives a crash, and with secure_delete,
/// so what is deleted is overwritten in the file rather than left in free pages.
/// </summary>
public sealed class SqliteDatabase : IDatabase
{
    private readonly string _connectionString;
    private readonly IReadOnlyList<Schema> _schemas;

    /// <param name="schemas">Every feature's schema (<c>Catalogue.Schemas</c> for the component's own).</param>
    public SqliteDatabase(string path, IEnumerable<Schema> schemas)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = ConnectionString(full, pooling: true);
        _schemas = schemas.ToList();
        FilePath = full;
    }

    private static string ConnectionString(string path, bool pooling) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = pooling,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Serialises the creation of side files, so two writers never build the same one.</summary>
    private readonly SemaphoreSlim _creating = new(1, 1);

    /// <summary>The folder that holds the files of <paramref name="folder"/>: <c>&lt;database&gt;.&lt;folder&gt;</c>.</summary>
    public string FolderPath(string folder)
    {
        if (folder.Length == 0 || !folder.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException("A folder name is letters and digits.", nameof(folder));
        return FilePath + "." + folder;
    }

    private string SidePath(string folder, string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException("A file name is letters, digits, '-' and '_'.", nameof(name));
        return Path.Combine(FolderPath(folder), name + ".db");
    }

    public Task<IReadOnlyList<string>> FilesAsync(string folder, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = FolderPath(folder);
        IReadOnlyList<string> names = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.db").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(names);
    }

    public async ValueTask<DbConnection?> OpenFileAsync(string folder, string name, string? createSql, CancellationToken cancellationToken)
    {
        var path = SidePath(folder, name);
        if (!File.Exists(path))
        {
            if (createSql is null) return null;
            await _creating.WaitAsync(cancellationToken);
            try
            {
                if (!File.Exists(path)) await CreateAsync(path, createSql, cancellationToken);
            }
            finally
            {
                _creating.Release();
            }
        }
        return await OpenAsync(ConnectionString(path, pooling: true), cancellationToken);
    }

    /// <summary>Builds the file under a temporary name and renames it into place: it appears with its tables or not at all.</summary>
    private static async Task CreateAsync(string path, string createSql, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var building = path + ".new";
        DeleteWithLog(building);
        await using (var connection = new SqliteConnection(ConnectionString(building, pooling: false)))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; " + createSql + " PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        DeleteWithLog(building, keepDatabase: true);
        DeleteWithLog(path, keepDatabase: true); // a log left by a crash while an older file of that name was deleted
        File.Move(building, path);
    }

    public async Task DeleteFileAsync(string folder, string name, CancellationToken cancellationToken)
    {
        var path = SidePath(folder, name);
        using (var connection = new SqliteConnection(ConnectionString(path, pooling: true)))
            SqliteConnection.ClearPool(connection);
        // Out of sight first (the log before the database: a crash in between leaves a database without its
        // last commits, never a stray log), then shrunk and deleted; what a crash leaves is finished by the next call.
        File.Delete(path + "-shm");
        if (File.Exists(path + "-wal")) File.Move(path + "-wal", path + "-wal" + Deleting, overwrite: true);
        if (File.Exists(path)) File.Move(path, path + Deleting, overwrite: true);
        if (!Directory.Exists(FolderPath(folder))) return;
        foreach (var file in Directory.EnumerateFiles(FolderPath(folder), "*" + Deleting).ToList())
            await ShrinkAndDeleteAsync(file, cancellationToken);
    }

    private const string Deleting = ".deleting";

    /// <summary>Bytes freed per step when a file is deleted, and the pause after each step.</summary>
    private const long DeleteStep = 4 << 20;
    private static readonly TimeSpan DeletePause = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Deletes a file a few MB at a time, each step flushed, with a pause after it. On a file system mounted
    /// with <c>discard</c> (ext4 here) the blocks a deletion frees are trimmed in the next journal commit, which
    /// every other writer's flush waits for: freed all at once, a 25 MB file held the ingest's commits for
    /// several ms (bench/README.md, "--sweep-groups"); in steps, each waits for a small one at most.
    /// </summary>
    private static async Task ShrinkAndDeleteAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            for (var length = stream.Length - DeleteStep; length > 0; length -= DeleteStep)
            {
                stream.SetLength(length);
                stream.Flush(flushToDisk: true);
                await Task.Delay(DeletePause, cancellationToken);
            }
        }
        catch (FileNotFoundException)
        {
            return; // deleted meanwhile by another call
        }
        File.Delete(path);
    }

    /// <summary>The log first: a crash part way leaves a database without its log (whose last commits are lost), never a stray log.</summary>
    private static void DeleteWithLog(string path, bool keepDatabase = false)
    {
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
        if (!keepDatabase) File.Delete(path);
    }

    /// <summary>Native connections whose PRAGMAs are set (forgotten when the pool closes them).</summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Prepared = new();

    public string FilePath { get; }

    /// <summary>
    /// An open connection. Cancelling <paramref name="cancellationToken"/> while it is open interrupts the
    /// statement running on it (<c>sqlite3_interrupt</c>), which then fails: Microsoft.Data.Sqlite only looks
    /// at the token before a statement starts, and a slow query must not run on after its deadline.
    /// </summary>
    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_connectionString, cancellationToken);

    private static async ValueTask<DbConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new InterruptibleConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // Settings stay with the native connection, which the pool hands out again: set them once per handle.
        if (connection.Handle is { } handle && !Prepared.TryGetValue(handle, out _))
        {
            await using var pragmas = connection.CreateCommand();
            // secure_delete: a deleted row's content is overwritten with zeros in its page, so an expired or
            // erased message cannot be read back from the file's free pages (our SQLite does not turn it on
            // by default). journal_size_limit: the log is cut back after a checkpoint instead of keeping old
            // page images at its full size.
            pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; " +
                "PRAGMA secure_delete=ON; PRAGMA journal_size_limit=67108864;";
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

    public async Task<bool> CheckpointAsync(CancellationToken cancellationToken) =>
        await CheckpointAsync(await OpenAsync(cancellationToken), cancellationToken);

    /// <summary>Checkpoints (TRUNCATE) the database <paramref name="opened"/> is a connection to, and closes it.</summary>
    public static async Task<bool> CheckpointAsync(DbConnection opened, CancellationToken cancellationToken)
    {
        await using var connection = opened;
        await using var command = connection.CreateCommand();
        // One row: busy (1 when a reader or writer kept it from finishing), log frames, frames checkpointed.
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken) && row.GetInt64(0) == 0;
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_versions (
                feature TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_ms INTEGER NOT NULL,
                PRIMARY KEY (feature, version));
            """, cancellationToken);
        await AdoptGlobalVersionsAsync(connection, cancellationToken);
        var applied = new HashSet<(string, int)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT feature, version FROM schema_versions;";
            await using var rows = await read.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken)) applied.Add((rows.GetString(0), rows.GetInt32(1)));
        }
        foreach (var schema in _schemas)
        {
            var newest = schema.Steps.Count == 0 ? 0 : schema.Steps.Max(m => m.Version);
            var stored = applied.Where(a => a.Item1 == schema.Feature).Select(a => a.Item2).DefaultIfEmpty(0).Max();
            if (stored > newest)
                throw new InvalidOperationException($"The database schema of {schema.Feature} (version {stored}) is newer than this program (version {newest}).");
        }
        foreach (var schema in _schemas)
            foreach (var migration in schema.Steps.OrderBy(m => m.Version).Where(m => !applied.Contains((schema.Feature, m.Version))))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (migration.Before is { } before) await before(this, connection, transaction, cancellationToken);
                await Execute(connection, transaction, migration.Sql, cancellationToken);
                await RecordAsync(connection, transaction, schema.Feature, migration, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
    }

    /// <summary>
    /// Databases made before schemas were per feature numbered their steps globally (1 sweep runs, 2 last
    /// activity, 3 archive); those steps become version 1 of their features, once.
    /// </summary>
    private static async Task AdoptGlobalVersionsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations';";
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! == 0) return;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, transaction, """
            INSERT OR IGNORE INTO schema_versions (feature, version, name, applied_ms)
            SELECT CASE version WHEN 1 THEN 'sweeps' WHEN 2 THEN 'activity' ELSE 'archive' END, 1, name, applied_ms
            FROM schema_migrations WHERE version IN (1, 2, 3);
            DROP TABLE schema_migrations;
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task RecordAsync(DbConnection connection, DbTransaction transaction, string feature, Migration migration,
        CancellationToken cancellationToken)
    {
        await using var record = connection.CreateCommand();
        record.Transaction = transaction;
        record.CommandText = "INSERT INTO schema_versions (feature, version, name, applied_ms) VALUES ($f, $v, $n, $t);";
        Db.Add(record, "$f", feature);
        Db.Add(record, "$v", migration.Version);
        Db.Add(record, "$n", migration.Name);
        Db.Add(record, "$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await record.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
