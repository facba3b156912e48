using System.Buffers.Text;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Xml.Linq;
using XmppPrivacy.Services.Accounts;
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
    /// Stores several messages in one transaction (one disk flush), durable when it returns; all or none.
    /// An invalid supplied id throws before anything is written.
    /// </summary>
    public async Task<IReadOnlyList<ArchiveAppend>> AppendManyAsync(IReadOnlyList<ArchiveEntry> entries,
        CancellationToken cancellationToken)
    {
        if (entries.Any(e => e.Id is not null && !IsValidId(e.Id)))
            throw new ArgumentException("Not a valid archive id.", nameof(entries));
        var appended = new List<ArchiveAppend>(entries.Count);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml)
            VALUES (@owner, @id, @with, @direction, @ts, @xml)
            ON CONFLICT (owner, archive_id) DO NOTHING;
            """;
        // One prepared statement and one set of parameters for the whole batch; each row only sets values.
        var owner = Parameter(command, "@owner");
        var archiveId = Parameter(command, "@id");
        var with = Parameter(command, "@with");
        var direction = Parameter(command, "@direction");
        var ts = Parameter(command, "@ts");
        var xml = Parameter(command, "@xml");
        await command.PrepareAsync(cancellationToken);
        using var serializer = new ArchiveXml();
        foreach (var entry in entries)
        {
            var id = entry.Id ?? NewId();
            owner.Value = Key(entry.Owner);
            archiveId.Value = id;
            with.Value = Key(entry.With);
            direction.Value = ArchiveOptions.Name(entry.Direction);
            ts.Value = entry.Timestamp.ToUnixTimeMilliseconds();
            xml.Value = serializer.Write(entry.Message);
            appended.Add(new ArchiveAppend(id, await command.ExecuteNonQueryAsync(cancellationToken) == 1));
        }
        await transaction.CommitAsync(cancellationToken);
        return appended;
    }

    /// <summary>The first and last message of the owner's live (unexpired) archive.</summary>
    public async Task<ArchiveMetadata> MetadataAsync(Jid owner, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return new ArchiveMetadata(
            await MarkAsync(connection, owner, now, "ASC", cancellationToken),
            await MarkAsync(connection, owner, now, "DESC", cancellationToken));
    }

    /// <summary>How old the oldest stored message is (expired or not), for health and metrics; null when none.</summary>
    public async Task<TimeSpan?> OldestMessageAgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(ts_ms) FROM archive_messages;";
        var oldest = await command.ExecuteScalarAsync(cancellationToken);
        return oldest is null or DBNull ? null : now - DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(oldest));
    }

    /// <summary>Deletes at most <paramref name="batchSize"/> messages older than retention at <paramref name="now"/>.</summary>
    public async Task<int> DeleteExpiredBatchAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM archive_messages WHERE seq IN
                (SELECT seq FROM archive_messages WHERE ts_ms < @cutoff ORDER BY ts_ms LIMIT @limit);
            """;
        Db.Add(command, "@cutoff", Cutoff(now));
        Db.Add(command, "@limit", (long)batchSize);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes every archived message of <paramref name="account"/>, keeping its preferences ("delete my archive").</summary>
    public async Task<int> DeleteMessagesAsync(Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM archive_messages WHERE owner = @owner;";
        Db.Add(command, "@owner", account.Key);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Every live (unexpired) message of <paramref name="account"/>, oldest first, for the export: id, time,
    /// party, direction and the stanza as stored.
    /// </summary>
    public async IAsyncEnumerable<(string Id, DateTimeOffset At, string With, string Direction, string Xml)> ExportAsync(Account account,
        DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT archive_id, ts_ms, with_jid, direction, xml FROM archive_messages
            WHERE owner = @owner AND ts_ms >= @cutoff ORDER BY ts_ms, seq;
            """;
        Db.Add(command, "@owner", account.Key);
        Db.Add(command, "@cutoff", Cutoff(now));
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            yield return (rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)), rows.GetString(2), rows.GetString(3), rows.GetString(4));
    }

    public async ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        var key = account.Key;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = 0;
        foreach (var table in (string[])["archive_messages", "archive_pref_jids", "archive_prefs"])
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM {table} WHERE owner = @owner;";
            Db.Add(command, "@owner", key);
            deleted += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT owner FROM archive_prefs UNION SELECT DISTINCT owner FROM archive_messages ORDER BY owner;
            """;
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            if (Account.TryParse(rows.GetString(0), out var account)) yield return account;
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

    private async Task<ArchiveMark?> MarkAsync(DbConnection connection, Jid owner, DateTimeOffset now, string order,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT archive_id, ts_ms FROM archive_messages WHERE owner = @owner AND ts_ms >= @cutoff
            ORDER BY ts_ms {order}, seq {order} LIMIT 1;
            """;
        Db.Add(command, "@owner", Key(owner));
        Db.Add(command, "@cutoff", Cutoff(now));
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        return await rows.ReadAsync(cancellationToken)
            ? new ArchiveMark(rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)))
            : null;
    }
}
