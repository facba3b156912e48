using System.Data.Common;
using XmppPrivacy.Storage;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// The real SQLite database, which can be made to behave as on a full disk: while <see cref="Full"/> is
/// set, every connection it opens may not grow the file (<c>PRAGMA max_page_count</c> at the current size),
/// so a write that needs a new page fails with SQLite's own <c>SQLITE_FULL</c>, as when the disk is full.
/// </summary>
public sealed class FullDiskDatabase(IDatabase inner) : IDatabase
{
    private const long Unlimited = 4294967294;

    public volatile bool Full;

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await LimitAsync(await inner.OpenAsync(cancellationToken), cancellationToken);

    private async Task<DbConnection> LimitAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var limit = Unlimited;
        if (Full)
        {
            command.CommandText = "PRAGMA page_count;";
            limit = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        }
        // Set on every open: a pooled connection keeps the limit of its previous use.
        command.CommandText = $"PRAGMA max_page_count = {limit};";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    public Task<IReadOnlyList<string>> FilesAsync(string folder, CancellationToken cancellationToken) => inner.FilesAsync(folder, cancellationToken);

    /// <summary>The archive's hourly files are as full as the database.</summary>
    public async ValueTask<DbConnection?> OpenFileAsync(string folder, string name, string? createSql, CancellationToken cancellationToken) =>
        await inner.OpenFileAsync(folder, name, createSql, cancellationToken) is { } connection ? await LimitAsync(connection, cancellationToken) : null;

    public Task DeleteFileAsync(string folder, string name, CancellationToken cancellationToken) => inner.DeleteFileAsync(folder, name, cancellationToken);

    public Task MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);

    public Task<bool> CheckpointAsync(CancellationToken cancellationToken) => inner.CheckpointAsync(cancellationToken);
}
