using System.Data.Common;
using System.Runtime.CompilerServices;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Uploads;

/// <summary>What a slot becomes: issued, being uploaded (one PUT holds it), stored.</summary>
public enum UploadState { Slot, Uploading, Stored }

/// <summary>One slot or file. <see cref="ExpiresAt"/> is the end of the slot, then of the file's retention.</summary>
public sealed record UploadRow(string Id, string Owner, string Service, string FileName, long Size, string ContentType,
    byte[] TokenHash, UploadState State, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// The slots and files (XEP-0363). Quotas are counted in the same statement that issues a slot, inside an
/// immediate transaction, so parallel requests cannot together pass a quota. Every read that serves a file
/// filters by expiry. Times are UTC Unix milliseconds.
/// </summary>
public sealed class UploadStore(IDatabase database, UploadFiles files) : IAccountData
{
    /// <summary>How long one PUT may hold a slot; after this an interrupted upload's slot is swept.</summary>
    public static readonly TimeSpan UploadTimeout = TimeSpan.FromHours(1);

    public static readonly Migration[] Schema =
    [
        new(1, "uploads", """
            CREATE TABLE upload_files (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                service TEXT NOT NULL,
                name TEXT NOT NULL,
                size INTEGER NOT NULL,
                content_type TEXT NOT NULL,
                token_hash BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('slot', 'uploading', 'stored')),
                created_ms INTEGER NOT NULL,
                claimed_ms INTEGER,
                expires_ms INTEGER NOT NULL
            );
            CREATE INDEX upload_files_owner ON upload_files (owner, created_ms);
            CREATE INDEX upload_files_expires ON upload_files (expires_ms);
            """),
    ];

    public string Name => "uploads";

    /// <summary>
    /// What counts against a user's quota on one service: open slots, uploads in progress and unexpired files of that
    /// service. Each service has its own quota, so files kept 30 days never crowd out a 24-hour clipboard.
    /// </summary>
    private const string Counted = "owner = @owner AND service = @service AND (state = 'uploading' OR expires_ms > @now)";

    /// <summary>Issues the slot if the owner stays within both quotas of the slot's service; false when over one.</summary>
    public async Task<bool> IssueAsync(UploadRow slot, long quota, long dailyQuota, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO upload_files (id, owner, service, name, size, content_type, token_hash, state, created_ms, expires_ms)
            SELECT @id, @owner, @service, @name, @size, @type, @token, 'slot', @now, @expires
            WHERE (SELECT COALESCE(SUM(size), 0) FROM upload_files WHERE {Counted}) + @size <= @quota
              AND (SELECT COALESCE(SUM(size), 0) FROM upload_files WHERE {Counted} AND created_ms > @day_ago) + @size <= @daily;
            """;
        var now = slot.CreatedAt.ToUnixTimeMilliseconds();
        Db.Add(command, "@id", slot.Id);
        Db.Add(command, "@owner", slot.Owner);
        Db.Add(command, "@service", slot.Service);
        Db.Add(command, "@name", slot.FileName);
        Db.Add(command, "@size", slot.Size);
        Db.Add(command, "@type", slot.ContentType);
        Db.Add(command, "@token", slot.TokenHash);
        Db.Add(command, "@now", now);
        Db.Add(command, "@expires", slot.ExpiresAt.ToUnixTimeMilliseconds());
        Db.Add(command, "@quota", quota);
        Db.Add(command, "@daily", dailyQuota);
        Db.Add(command, "@day_ago", now - (long)TimeSpan.FromDays(1).TotalMilliseconds);
        var issued = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return issued;
    }

    /// <summary>
    /// When a refused request could fit again: the earliest time something of the owner's stops counting
    /// against the quota that refused it (a file or slot expires, or a day passes since a slot was issued).
    /// </summary>
    public async Task<DateTimeOffset> RetryAtAsync(string owner, string service, long size, long quota, long dailyQuota, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT COALESCE(SUM(size), 0), MIN(CASE WHEN state = 'uploading' THEN claimed_ms + @upload ELSE expires_ms END),
                   COALESCE(SUM(CASE WHEN created_ms > @day_ago THEN size ELSE 0 END), 0),
                   MIN(CASE WHEN created_ms > @day_ago THEN created_ms END)
            FROM upload_files WHERE {Counted};
            """;
        var nowMs = now.ToUnixTimeMilliseconds();
        var day = (long)TimeSpan.FromDays(1).TotalMilliseconds;
        Db.Add(command, "@owner", owner);
        Db.Add(command, "@service", service);
        Db.Add(command, "@now", nowMs);
        Db.Add(command, "@day_ago", nowMs - day);
        Db.Add(command, "@upload", (long)UploadTimeout.TotalMilliseconds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var retry = nowMs;
        if (reader.GetInt64(0) + size > quota && !reader.IsDBNull(1)) retry = Math.Max(retry, reader.GetInt64(1));
        if (reader.GetInt64(2) + size > dailyQuota && !reader.IsDBNull(3)) retry = Math.Max(retry, reader.GetInt64(3) + day);
        return DateTimeOffset.FromUnixTimeMilliseconds(retry);
    }

    public async Task<UploadRow?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, owner, service, name, size, content_type, token_hash, state, created_ms, expires_ms FROM upload_files WHERE id = @id;";
        Db.Add(command, "@id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>A stored file that has not expired at <paramref name="now"/>: the one filter every download passes.</summary>
    public async Task<UploadRow?> FindServableAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken) is { State: UploadState.Stored } row && row.ExpiresAt > now ? row : null;

    /// <summary>Takes an open, unexpired slot for one PUT; false when it is used, being used, or expired.</summary>
    public Task<bool> ClaimAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE upload_files SET state = 'uploading', claimed_ms = @now WHERE id = @id AND state = 'slot' AND expires_ms > @now;",
            id, now, null, cancellationToken);

    /// <summary>Gives a slot back after a failed PUT, so the client may try again while it is valid.</summary>
    public Task<bool> ReleaseAsync(string id, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE upload_files SET state = 'slot', claimed_ms = NULL WHERE id = @id AND state = 'uploading';",
            id, DateTimeOffset.UnixEpoch, null, cancellationToken);

    /// <summary>
    /// Deletes a slot whose PUT could not be stored (the disk was full): its bytes stop counting against the quota at
    /// once, and the client asks for a new slot when there is room again. False when the row is not being uploaded.
    /// </summary>
    public Task<bool> DiscardAsync(string id, CancellationToken cancellationToken) =>
        UpdateAsync("DELETE FROM upload_files WHERE id = @id AND state = 'uploading';", id, DateTimeOffset.UnixEpoch, null, cancellationToken);

    /// <summary>Marks the file stored, kept until <paramref name="expires"/>; false when the slot is gone (the account was deleted).</summary>
    public Task<bool> CompleteAsync(string id, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken) =>
        UpdateAsync("UPDATE upload_files SET state = 'stored', created_ms = @now, expires_ms = @expires WHERE id = @id AND state = 'uploading';",
            id, now, expires, cancellationToken);

    private async Task<bool> UpdateAsync(string sql, string id, DateTimeOffset now, DateTimeOffset? expires, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Db.Add(command, "@id", id);
        Db.Add(command, "@now", now.ToUnixTimeMilliseconds());
        Db.Add(command, "@expires", expires?.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> expired slots and files (and slots whose PUT was interrupted
    /// longer than <see cref="UploadTimeout"/> ago), each file before its row; returns how many.
    /// </summary>
    public async Task<int> DeleteExpiredBatchAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT id FROM upload_files
                WHERE (state <> 'uploading' AND expires_ms <= @now) OR (state = 'uploading' AND claimed_ms <= @stalled)
                ORDER BY expires_ms LIMIT @limit;
                """;
            Db.Add(command, "@now", now.ToUnixTimeMilliseconds());
            Db.Add(command, "@stalled", (now - UploadTimeout).ToUnixTimeMilliseconds());
            Db.Add(command, "@limit", (long)batchSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        }
        return await DeleteAsync(connection, ids, cancellationToken);
    }

    public async ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM upload_files WHERE owner = @owner;";
            Db.Add(command, "@owner", account.Key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetString(0));
        }
        return await DeleteAsync(connection, ids, cancellationToken);
    }

    /// <summary>Deletes each file, then the rows (a crash in between leaves rows without files, which start-up removes).</summary>
    private async Task<int> DeleteAsync(DbConnection connection, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return 0;
        foreach (var id in ids) files.Delete(id);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = 0;
        foreach (var id in ids)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM upload_files WHERE id = @id;";
            Db.Add(command, "@id", id);
            deleted += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>The stored (complete, unexpired) files of <paramref name="account"/>, oldest first, for the export.</summary>
    public async Task<IReadOnlyList<UploadRow>> FilesOfAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, owner, service, name, size, content_type, token_hash, state, created_ms, expires_ms FROM upload_files
            WHERE owner = @owner AND state = 'stored' AND expires_ms > @now ORDER BY created_ms;
            """;
        Db.Add(command, "@owner", account.Key);
        Db.Add(command, "@now", now.ToUnixTimeMilliseconds());
        var rows = new List<UploadRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(Read(reader));
        return rows;
    }

    /// <summary>
    /// Files on disk that no row claims, for the audit. Rows are read first and each candidate is checked again,
    /// so an upload finishing or a deletion running meanwhile is not taken for an orphan.
    /// </summary>
    public async Task<long> OrphanCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM upload_files;";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) known.Add(reader.GetString(0));
        }
        long orphans = 0;
        foreach (var id in files.ListIds().Where(id => !known.Contains(id)))
        {
            await using var again = connection.CreateCommand();
            again.CommandText = "SELECT COUNT(*) FROM upload_files WHERE id = @id;";
            Db.Add(again, "@id", id);
            if ((long)(await again.ExecuteScalarAsync(cancellationToken))! == 0 && File.Exists(files.PathOf(id))) orphans++;
        }
        return orphans;
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT owner FROM upload_files ORDER BY owner;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (Account.TryParse(reader.GetString(0), out var account)) yield return account;
    }

    /// <summary>
    /// At start: PUTs the last process was running did not finish, so their slots open again (the sweep removes
    /// them once expired); rows of stored files whose file is missing are deleted; files no row claims are deleted.
    /// Returns rows and files removed.
    /// </summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        // Files first, then rows: a file moved in later than this listing belongs to a row read below.
        var onDisk = files.ListIds().ToHashSet(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var reset = connection.CreateCommand())
        {
            reset.CommandText = "UPDATE upload_files SET state = 'slot', claimed_ms = NULL WHERE state = 'uploading';";
            await reset.ExecuteNonQueryAsync(cancellationToken);
        }
        var stored = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM upload_files WHERE state = 'stored';";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) stored.Add(reader.GetString(0));
        }
        var removed = 0;
        foreach (var id in onDisk.Except(stored))
        {
            files.Delete(id);
            removed++;
        }
        return removed + await DeleteAsync(connection, stored.Where(id => !onDisk.Contains(id)).ToList(), cancellationToken);
    }

    private static UploadRow Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
        (byte[])reader.GetValue(6),
        reader.GetString(7) switch { "stored" => UploadState.Stored, "uploading" => UploadState.Uploading, _ => UploadState.Slot },
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)));
}
