using System.Data.Common;

namespace XmppPrivacy.Storage;

/// <summary>
/// The seam between stores and the database engine: stores ask for an open connection. SQLite is the one
/// engine the stores are written and tested for; another plugs in here once its store tests run.
/// </summary>
public interface IDatabase
{
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates or upgrades every feature's schema to its newest step.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes what the log holds into the database file and empties the log, so that old page images
    /// (messages deleted since) do not stay in it. Returns false when a reader kept it from finishing;
    /// the next call completes it. The files of the folders beside it (<see cref="FilesAsync"/>) are their stores' to checkpoint.
    /// </summary>
    Task<bool> CheckpointAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The names (without extension) of the files a store keeps beside the database in its own folder
    /// <paramref name="folder"/> (for SQLite <c>&lt;database&gt;.&lt;folder&gt;/&lt;name&gt;.db</c>): the archive's time groups.
    /// </summary>
    Task<IReadOnlyList<string>> FilesAsync(string folder, CancellationToken cancellationToken);

    /// <summary>
    /// An open connection to the file <paramref name="name"/> of <paramref name="folder"/>, with the database's
    /// settings. A missing file is null when <paramref name="createSql"/> is null, and otherwise made whole
    /// (the SQL run in it) before anyone can open it, so a reader never sees a file without its tables.
    /// </summary>
    ValueTask<DbConnection?> OpenFileAsync(string folder, string name, string? createSql, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the file with its log and shared memory, after closing its pooled connections. The caller makes
    /// sure nobody uses it meanwhile.
    /// </summary>
    Task DeleteFileAsync(string folder, string name, CancellationToken cancellationToken);
}

/// <summary>One schema step of a feature. Versions are the feature's own, start at 1 and increase; a released step never changes.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>
    /// Code run in the step's transaction before its SQL (e.g. moving rows into files beside the database). If
    /// the step does not commit it runs again at the next start, so what it writes elsewhere must be idempotent.
    /// </summary>
    public Func<IDatabase, DbConnection, DbTransaction, CancellationToken, Task>? Before { get; init; }
}

/// <summary>A feature's schema: its steps, applied in order under the feature's name.</summary>
public sealed record Schema(string Feature, IReadOnlyList<Migration> Steps);
