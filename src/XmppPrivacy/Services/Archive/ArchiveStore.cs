using System.Buffers.Text;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Xml.Linq;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// The opt-in message archive (XEP-0313) and its preferences (XEP-0441). Times are UTC Unix milliseconds;
/// every read is filtered by retention, so nothing older than <see cref="ArchiveOptions.ExpiresAfter"/> is
/// ever served, whether or not the sweep has run. Owners are bare JIDs stamped by the server.
/// </summary>
public sealed partial class ArchiveStore(IDatabase database, ArchiveOptions options) : IAccountData
{
    private readonly ArchiveGroups _groups = new(database);

    public static readonly Migration[] Schema =
    [
        new(1, "archive", """
            CREATE TABLE archive_messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                owner TEXT NOT NULL,
                archive_id TEXT NOT NULL,
                with_jid TEXT NOT NULL,
                direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                ts_ms INTEGER NOT NULL,
                xml TEXT NOT NULL
            );
            CREATE UNIQUE INDEX archive_messages_id ON archive_messages (owner, archive_id);
            CREATE INDEX archive_messages_owner_ts ON archive_messages (owner, ts_ms, seq);
            CREATE INDEX archive_messages_owner_with_ts ON archive_messages (owner, with_jid, ts_ms, seq);
            CREATE INDEX archive_messages_ts ON archive_messages (ts_ms);
            CREATE TABLE archive_prefs (
                owner TEXT PRIMARY KEY,
                default_policy TEXT NOT NULL CHECK (default_policy IN ('always', 'never', 'roster'))
            );
            CREATE TABLE archive_pref_jids (
                owner TEXT NOT NULL,
                jid TEXT NOT NULL,
                list TEXT NOT NULL CHECK (list IN ('always', 'never')),
                PRIMARY KEY (owner, jid)
            );
            """),
        // The messages move into one file per hour beside the database (ArchiveGroups); the table goes, with
        // secure_delete overwriting its pages.
        new(2, "archive messages in hourly files", "DROP TABLE archive_messages;") { Before = ArchiveGroups.MoveTableAsync },
    ];

    public string Name => "archive";

    public ArchiveOptions Options => options;

    /// <summary>
    /// Stores one message and returns once it is durable (SQLite WAL with synchronous=FULL commits).
    /// <paramref name="id"/> is the stanza-id the bridge stamped; without one a new unguessable id is made.
    /// Appending an id the owner's archive already holds (a replay) stores nothing and returns it again.
    /// </summary>
    public async Task<ArchiveAppend> AppendAsync(Jid owner, Jid with, ArchiveDirection direction, DateTimeOffset timestamp,
        XElement message, string? id, CancellationToken cancellationToken) =>
        (await AppendManyAsync([new ArchiveEntry(owner, with, direction, timestamp, message, id)], cancellationToken))[0];

    /// <summary>
    /// Stores several messages, durable when it returns: one transaction (one disk flush) per hour's file the
    /// batch touches, so a batch that spans an hour's boundary commits twice and a crash between the two keeps
    /// the first part; the bridge re-sends a batch it had no answer for, with the same ids and times, and each
    /// file's unique (owner, id) stores only what it lacks. An invalid supplied id throws before anything is written.
    /// </summary>
    public async Task<IReadOnlyList<ArchiveAppend>> AppendManyAsync(IReadOnlyList<ArchiveEntry> entries,
        CancellationToken cancellationToken)
    {
        if (entries.Any(e => e.Id is not null && !IsValidId(e.Id)))
            throw new ArgumentException("Not a valid archive id.", nameof(entries));
        var appended = new ArchiveAppend[entries.Count];
        using var serializer = new ArchiveXml();
        foreach (var group in Enumerable.Range(0, entries.Count)
                     .GroupBy(i => ArchiveGroups.Of(entries[i].Timestamp.ToUnixTimeMilliseconds())).OrderBy(g => g.Key))
        {
            await using var lease = (await _groups.OpenAsync(group.Key, create: true, cancellationToken))!;
            var connection = lease.Connection;
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml)
                VALUES (@owner, @id, @with, @direction, @ts, @xml)
                ON CONFLICT (owner, archive_id) DO NOTHING;
                """;
            // One prepared statement and one set of parameters per file; each row only sets values.
            var owner = Parameter(command, "@owner");
            var archiveId = Parameter(command, "@id");
            var with = Parameter(command, "@with");
            var direction = Parameter(command, "@direction");
            var ts = Parameter(command, "@ts");
            var xml = Parameter(command, "@xml");
            await command.PrepareAsync(cancellationToken);
            foreach (var i in group)
            {
                var entry = entries[i];
                var id = entry.Id ?? NewId();
                owner.Value = Key(entry.Owner);
                archiveId.Value = id;
                with.Value = Key(entry.With);
                direction.Value = ArchiveOptions.Name(entry.Direction);
                ts.Value = entry.Timestamp.ToUnixTimeMilliseconds();
                xml.Value = serializer.Write(entry.Message);
                appended[i] = new ArchiveAppend(id, await command.ExecuteNonQueryAsync(cancellationToken) == 1);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        return appended;
    }

    /// <summary>The first and last message of the owner's live (unexpired) archive.</summary>
    public async Task<ArchiveMetadata> MetadataAsync(Jid owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var live = await LiveGroupsAsync(Cutoff(now), cancellationToken);
        return new ArchiveMetadata(
            await MarkAsync(live, owner, now, "ASC", cancellationToken),
            await MarkAsync(Enumerable.Reverse(live), owner, now, "DESC", cancellationToken));
    }

    /// <summary>How old the oldest stored message is (expired or not), for health and metrics; null when none.</summary>
    public async Task<TimeSpan?> OldestMessageAgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var group in await _groups.ListAsync(cancellationToken))
        {
            var oldest = await ScalarAsync(group, "SELECT MIN(ts_ms) FROM archive_messages;", cancellationToken);
            if (oldest is not null and not DBNull) return now - DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(oldest));
        }
        return null;
    }

    /// <summary>
    /// Deletes every message older than retention at <paramref name="now"/>: each hour's file that lies wholly
    /// before the cutoff is deleted whole, the one hour that holds the cutoff row by row in batches of
    /// <paramref name="batchSize"/> (then checkpointed, so what was deleted leaves its log). Returns how many
    /// messages were deleted.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var cutoff = Cutoff(now);
        var total = 0;
        foreach (var group in await _groups.ListAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ArchiveGroups.StartOf(group) >= cutoff) break;
            if (ArchiveGroups.EndOf(group) <= cutoff)
            {
                total += Convert.ToInt32(await ScalarAsync(group, "SELECT COUNT(*) FROM archive_messages;", cancellationToken) ?? 0L);
                await _groups.DeleteAsync(group, cancellationToken);
            }
            else
                total += await DeleteRowsBeforeAsync(group, cutoff, batchSize, cancellationToken);
            await Task.Delay(SweepPause, cancellationToken);
        }
        return total;
    }

    /// <summary>Deletes the rows of one group older than <paramref name="cutoff"/>, a batch per transaction, walking the group by seq once.</summary>
    private async Task<int> DeleteRowsBeforeAsync(long group, long cutoff, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        var from = long.MinValue;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) return total;
            await using var command = lease.Connection.CreateCommand();
            // No index on time in a group: the batch is found by walking seq from where the last one stopped.
            command.CommandText = """
                DELETE FROM archive_messages WHERE seq IN
                    (SELECT seq FROM archive_messages WHERE seq > @from AND ts_ms < @cutoff ORDER BY seq LIMIT @limit)
                RETURNING seq;
                """;
            Db.Add(command, "@from", from);
            Db.Add(command, "@cutoff", cutoff);
            Db.Add(command, "@limit", (long)batchSize);
            var deleted = 0;
            await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
                while (await rows.ReadAsync(cancellationToken))
                {
                    deleted++;
                    from = Math.Max(from, rows.GetInt64(0));
                }
            total += deleted;
            if (deleted < batchSize)
            {
                if (total > 0) await CheckpointAsync(lease, cancellationToken);
                return total;
            }
            await Task.Delay(SweepPause, cancellationToken);
        }
    }

    /// <summary>
    /// The sweep's pause after each file it deletes and each batch it deletes row by row, so that the disk's
    /// flushes for the ingest are not queued behind a run of the sweep's (bench/README.md, --sweep-groups).
    /// </summary>
    private static readonly TimeSpan SweepPause = TimeSpan.FromMilliseconds(10);

    /// <summary>Deletes every archived message of <paramref name="account"/>, keeping its preferences ("delete my archive").</summary>
    public async Task<int> DeleteMessagesAsync(Account account, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var group in await _groups.ListAsync(cancellationToken))
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = "DELETE FROM archive_messages WHERE owner = @owner;";
            Db.Add(command, "@owner", account.Key);
            var here = await command.ExecuteNonQueryAsync(cancellationToken);
            // secure_delete overwrote the rows in the file; the checkpoint empties the log of the pages that held them.
            if (here > 0) await CheckpointAsync(lease, cancellationToken);
            deleted += here;
        }
        return deleted;
    }

    /// <summary>
    /// Every live (unexpired) message of <paramref name="account"/>, oldest first, for the export: id, time,
    /// party, direction and the stanza as stored.
    /// </summary>
    public async IAsyncEnumerable<(string Id, DateTimeOffset At, string With, string Direction, string Xml)> ExportAsync(Account account,
        DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cutoff = Cutoff(now);
        foreach (var group in await LiveGroupsAsync(cutoff, cancellationToken))
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = """
                SELECT archive_id, ts_ms, with_jid, direction, xml FROM archive_messages
                WHERE owner = @owner AND ts_ms >= @cutoff ORDER BY ts_ms, seq;
                """;
            Db.Add(command, "@owner", account.Key);
            Db.Add(command, "@cutoff", cutoff);
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
                yield return (rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)), rows.GetString(2), rows.GetString(3), rows.GetString(4));
        }
    }

    public async ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        // The messages first: if this stops part way, the preferences (which say to archive) are still there and
        // the deletion is repeated whole by the next attempt or by reconciliation, which lists owners of messages too.
        var deleted = await DeleteMessagesAsync(account, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in (string[])["archive_pref_jids", "archive_prefs"])
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM {table} WHERE owner = @owner;";
            Db.Add(command, "@owner", account.Key);
            deleted += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var owners = new SortedSet<string>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT owner FROM archive_prefs;";
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken)) owners.Add(rows.GetString(0));
        }
        foreach (var group in await _groups.ListAsync(cancellationToken))
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT owner FROM archive_messages;";
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken)) owners.Add(rows.GetString(0));
        }
        foreach (var owner in owners)
            if (Account.TryParse(owner, out var account)) yield return account;
    }

    /// <summary>How many messages the archive holds and the age of the oldest, in all or for one account (the audit).</summary>
    public async Task<StoreAudit> AuditAsync(string key, Account? account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long count = 0;
        long? oldest = null;
        foreach (var group in await _groups.ListAsync(cancellationToken))
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*), MIN(ts_ms) FROM archive_messages" + (account is null ? ";" : " WHERE owner = @owner;");
            if (account is { } one) Db.Add(command, "@owner", one.Key);
            await using var row = await command.ExecuteReaderAsync(cancellationToken);
            await row.ReadAsync(cancellationToken);
            count += row.GetInt64(0);
            if (!row.IsDBNull(1)) oldest = Math.Min(oldest ?? long.MaxValue, row.GetInt64(1));
        }
        return new StoreAudit(key, count, oldest is { } o ? now - DateTimeOffset.FromUnixTimeMilliseconds(o) : null);
    }

    /// <summary>How a JID is kept: <see cref="Jid.BareKey"/>, which is <see cref="Account.Key"/> for an account.</summary>
    public static string Key(Jid jid) => jid.BareKey;

    /// <summary>A new archive id: 16 random bytes, base64url (22 characters).</summary>
    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>True for an id the store accepts: 1 to 128 printable ASCII characters without spaces.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= ArchiveQueryParser.MaxIdLength && id.All(c => c is > ' ' and < '\u007f');

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private long Cutoff(DateTimeOffset now) => (now - options.ExpiresAfter).ToUnixTimeMilliseconds();

    private async Task<ArchiveMark?> MarkAsync(IEnumerable<long> groups, Jid owner, DateTimeOffset now, string order,
        CancellationToken cancellationToken)
    {
        foreach (var group in groups)
        {
            await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
            if (lease is null) continue;
            await using var command = lease.Connection.CreateCommand();
            command.CommandText = $"""
                SELECT archive_id, ts_ms FROM archive_messages WHERE owner = @owner AND ts_ms >= @cutoff
                ORDER BY ts_ms {order}, seq {order} LIMIT 1;
                """;
            Db.Add(command, "@owner", Key(owner));
            Db.Add(command, "@cutoff", Cutoff(now));
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            if (await rows.ReadAsync(cancellationToken))
                return new ArchiveMark(rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)));
        }
        return null;
    }

    /// <summary>The groups that may hold a message at or after <paramref name="cutoff"/>, oldest first.</summary>
    private async Task<List<long>> LiveGroupsAsync(long cutoff, CancellationToken cancellationToken) =>
        (await _groups.ListAsync(cancellationToken)).Where(g => ArchiveGroups.EndOf(g) > cutoff).ToList();

    private async Task<object?> ScalarAsync(long group, string sql, CancellationToken cancellationToken)
    {
        await using var lease = await _groups.OpenAsync(group, create: false, cancellationToken);
        if (lease is null) return null;
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Writes a group's log into its file and empties it, so deleted rows' old page images leave the log. It waits
    /// for readers (up to the connections' 30 s busy timeout; a query is stopped after <c>Archive:QueryTimeout</c>).
    /// </summary>
    private static async Task CheckpointAsync(ArchiveGroups.Lease lease, CancellationToken cancellationToken)
    {
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
