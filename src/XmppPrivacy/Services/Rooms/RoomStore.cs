using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Xml.Linq;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>A message of a room's history: the room's stanza-id, when the room received it, and the stanza as broadcast.</summary>
public sealed record RoomMessage(string Id, DateTimeOffset Timestamp, XElement Message);

/// <summary>A room as listed to everyone (disco#items of the service): its bare JID and name.</summary>
public sealed record ListedRoom(string Jid, string? Name);

/// <summary>One page of listed rooms, with how many there are in all and the position of the page's first.</summary>
public sealed record RoomPage(IReadOnlyList<ListedRoom> Rooms, long Count, long FirstIndex);

/// <summary>A room as stored: configuration, subject and affiliations (occupants are never stored).</summary>
public sealed record StoredRoom(RoomConfig Config, string? Subject, string? SubjectNick, IReadOnlyDictionary<string, Affiliation> Affiliations)
{
    /// <summary>Until when the room waits for its creator's configuration; null when configured.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>Reserved nicknames by the account's bare JID key.</summary>
    public IReadOnlyDictionary<string, string> Nicks { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The rooms' SQL: configurations, affiliations and the last messages of each room. A room never holds more
/// messages than it keeps: each append deletes what falls off the end in the same transaction. Times are UTC
/// Unix milliseconds; rooms are keyed by their bare JID with the local part normalised.
/// </summary>
public sealed class RoomStore(IDatabase database)
{
    public static readonly Migration[] Schema =
    [
        new(1, "rooms", """
            CREATE TABLE rooms (
                room TEXT PRIMARY KEY,
                name TEXT,
                persistent INTEGER NOT NULL,
                members_only INTEGER NOT NULL,
                password TEXT,
                moderated INTEGER NOT NULL,
                whois_anyone INTEGER NOT NULL,
                history_length INTEGER NOT NULL,
                subject TEXT,
                subject_nick TEXT
            );
            CREATE TABLE room_messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                room TEXT NOT NULL,
                stanza_id TEXT NOT NULL,
                ts_ms INTEGER NOT NULL,
                xml TEXT NOT NULL
            );
            CREATE INDEX room_messages_room ON room_messages (room, seq);
            CREATE TABLE room_affiliations (
                room TEXT NOT NULL,
                jid TEXT NOT NULL,
                affiliation TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
                PRIMARY KEY (room, jid)
            );
            CREATE INDEX room_affiliations_jid ON room_affiliations (jid);
            CREATE TABLE room_keys (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                occupant_key BLOB NOT NULL
            );
            """),
        // Nickname reservations (XEP-0045 §7.10) live on the affiliation: they go with it (none, outcast, account deletion).
        new(2, "room nickname reservations and locked new rooms", """
            ALTER TABLE rooms ADD COLUMN locked_until_ms INTEGER;
            ALTER TABLE room_affiliations ADD COLUMN nick TEXT;
            ALTER TABLE room_affiliations ADD COLUMN nick_key TEXT;
            CREATE UNIQUE INDEX room_affiliations_nick ON room_affiliations (room, nick_key);
            """),
    ];

    /// <summary>The room as stored, or null when there is no such room.</summary>
    public async Task<StoredRoom?> LoadAsync(Jid room, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        RoomConfig config;
        string? subject, subjectNick;
        DateTimeOffset? lockedUntil;
        await using (var command = Command(connection, """
            SELECT name, persistent, members_only, password, moderated, whois_anyone, history_length, subject, subject_nick, locked_until_ms
            FROM rooms WHERE room = @room;
            """, room))
        {
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            if (!await rows.ReadAsync(cancellationToken)) return null;
            config = new RoomConfig
            {
                Name = rows.IsDBNull(0) ? null : rows.GetString(0),
                Persistent = rows.GetInt64(1) != 0,
                MembersOnly = rows.GetInt64(2) != 0,
                Password = rows.IsDBNull(3) ? null : rows.GetString(3),
                Moderated = rows.GetInt64(4) != 0,
                WhoisAnyone = rows.GetInt64(5) != 0,
                HistoryLength = rows.GetInt32(6),
            };
            subject = rows.IsDBNull(7) ? null : rows.GetString(7);
            subjectNick = rows.IsDBNull(8) ? null : rows.GetString(8);
            lockedUntil = rows.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(9));
        }
        var affiliations = new Dictionary<string, Affiliation>(StringComparer.Ordinal);
        var nicks = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = Command(connection, "SELECT jid, affiliation, nick FROM room_affiliations WHERE room = @room;", room))
        {
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                if (!Room.TryParse(rows.GetString(1), out Affiliation affiliation)) continue;
                affiliations[rows.GetString(0)] = affiliation;
                if (!rows.IsDBNull(2)) nicks[rows.GetString(0)] = rows.GetString(2);
            }
        }
        return new StoredRoom(config, subject, subjectNick, affiliations) { Nicks = nicks, LockedUntil = lockedUntil };
    }

    private const string Listed = "members_only = 0 AND password IS NULL AND locked_until_ms IS NULL";

    /// <summary>
    /// A page of at most <paramref name="max"/> rooms anyone may find (neither members-only nor password-protected), in
    /// the order of their JIDs: those after <paramref name="after"/>, or the last ones before <paramref name="before"/>
    /// (empty: the last page), as XEP-0059 pages.
    /// </summary>
    public async Task<RoomPage> ListedRoomsAsync(string? after, string? before, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        long count;
        await using (var counting = connection.CreateCommand())
        {
            counting.CommandText = $"SELECT COUNT(*) FROM rooms WHERE {Listed};";
            count = Convert.ToInt64(await counting.ExecuteScalarAsync(cancellationToken));
        }
        var rooms = new List<ListedRoom>();
        if (max > 0)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = before is null
                ? $"SELECT room, name FROM rooms WHERE {Listed} AND (@after IS NULL OR room > @after) ORDER BY room LIMIT @max;"
                : $"SELECT room, name FROM rooms WHERE {Listed} AND (@before = '' OR room < @before) ORDER BY room DESC LIMIT @max;";
            Db.Add(command, "@after", after);
            Db.Add(command, "@before", before);
            Db.Add(command, "@max", (long)max);
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
                rooms.Add(new ListedRoom(rows.GetString(0), rows.IsDBNull(1) ? null : rows.GetString(1)));
            if (before is not null) rooms.Reverse();
        }
        long firstIndex = 0;
        if (rooms.Count > 0)
        {
            await using var index = connection.CreateCommand();
            index.CommandText = $"SELECT COUNT(*) FROM rooms WHERE {Listed} AND room < @first;";
            Db.Add(index, "@first", rooms[0].Jid);
            firstIndex = Convert.ToInt64(await index.ExecuteScalarAsync(cancellationToken));
        }
        return new RoomPage(rooms, count, firstIndex);
    }

    /// <summary>Creates or updates the room's configuration and subject.</summary>
    public async Task SaveAsync(Room room, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO rooms (room, name, persistent, members_only, password, moderated, whois_anyone, history_length, subject, subject_nick, locked_until_ms)
            VALUES (@room, @name, @persistent, @members_only, @password, @moderated, @whois, @history, @subject, @subject_nick, @locked)
            ON CONFLICT (room) DO UPDATE SET name = excluded.name, persistent = excluded.persistent,
                members_only = excluded.members_only, password = excluded.password, moderated = excluded.moderated,
                whois_anyone = excluded.whois_anyone, history_length = excluded.history_length,
                subject = excluded.subject, subject_nick = excluded.subject_nick, locked_until_ms = excluded.locked_until_ms;
            """, room.Jid);
        var config = room.Config;
        Db.Add(command, "@name", config.Name);
        Db.Add(command, "@persistent", config.Persistent ? 1L : 0L);
        Db.Add(command, "@members_only", config.MembersOnly ? 1L : 0L);
        Db.Add(command, "@password", config.Password);
        Db.Add(command, "@moderated", config.Moderated ? 1L : 0L);
        Db.Add(command, "@whois", config.WhoisAnyone ? 1L : 0L);
        Db.Add(command, "@history", (long)config.HistoryLength);
        Db.Add(command, "@subject", room.Subject);
        Db.Add(command, "@subject_nick", room.SubjectNick);
        Db.Add(command, "@locked", room.LockedUntil?.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets one affiliation; <see cref="Affiliation.None"/> removes it (with the reserved nickname), and so does <see cref="Affiliation.Outcast"/> the nickname.</summary>
    public async Task SetAffiliationAsync(Jid room, string jidKey, Affiliation affiliation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, affiliation == Affiliation.None
            ? "DELETE FROM room_affiliations WHERE room = @room AND jid = @jid;"
            : """
              INSERT INTO room_affiliations (room, jid, affiliation) VALUES (@room, @jid, @affiliation)
              ON CONFLICT (room, jid) DO UPDATE SET affiliation = excluded.affiliation,
                  nick = CASE WHEN excluded.affiliation = 'outcast' THEN NULL ELSE nick END,
                  nick_key = CASE WHEN excluded.affiliation = 'outcast' THEN NULL ELSE nick_key END;
              """, room);
        Db.Add(command, "@jid", jidKey);
        Db.Add(command, "@affiliation", Room.Name(affiliation));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Sets an affiliation other than none or outcast together with the account's reserved nickname (null: none); the
    /// unique index refuses a nickname another account of the room reserved.
    /// </summary>
    public async Task ReserveAsync(Jid room, string jidKey, Affiliation affiliation, string? nick, CancellationToken cancellationToken)
    {
        if (affiliation is Affiliation.None or Affiliation.Outcast) throw new ArgumentOutOfRangeException(nameof(affiliation));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO room_affiliations (room, jid, affiliation, nick, nick_key) VALUES (@room, @jid, @affiliation, @nick, @nick_key)
            ON CONFLICT (room, jid) DO UPDATE SET affiliation = excluded.affiliation, nick = excluded.nick, nick_key = excluded.nick_key;
            """, room);
        Db.Add(command, "@jid", jidKey);
        Db.Add(command, "@affiliation", Room.Name(affiliation));
        Db.Add(command, "@nick", nick);
        Db.Add(command, "@nick_key", nick is null ? null : RoomNames.NickKey(nick));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the room with its history and affiliations.</summary>
    public async Task DeleteAsync(Jid room, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in (string[])["room_messages", "room_affiliations", "rooms"])
        {
            await using var command = Command(connection, $"DELETE FROM {table} WHERE room = @room;", room);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Appends a message to the room's history and, in the same transaction, deletes all but the newest
    /// <paramref name="keep"/> messages of the room: no reader ever sees more than <paramref name="keep"/>.
    /// </summary>
    public async Task AppendAsync(Jid room, RoomMessage message, int keep, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (keep > 0)
        {
            await using var insert = Command(connection, """
                INSERT INTO room_messages (room, stanza_id, ts_ms, xml) VALUES (@room, @id, @ts, @xml);
                """, room);
            insert.Transaction = transaction;
            Db.Add(insert, "@id", message.Id);
            Db.Add(insert, "@ts", message.Timestamp.ToUnixTimeMilliseconds());
            Db.Add(insert, "@xml", message.Message.ToString(SaveOptions.DisableFormatting));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await TrimAsync(connection, transaction, room, keep, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> messages of the room (after an owner lowered its history length).</summary>
    public async Task TrimAsync(Jid room, int keep, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await TrimAsync(connection, null, room, keep, cancellationToken);
    }

    /// <summary>The newest <paramref name="keep"/> messages of the room, oldest first.</summary>
    public async Task<IReadOnlyList<RoomMessage>> HistoryAsync(Jid room, int keep, CancellationToken cancellationToken)
    {
        var messages = new List<RoomMessage>();
        if (keep <= 0) return messages;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT stanza_id, ts_ms, xml FROM room_messages WHERE room = @room ORDER BY seq DESC LIMIT @keep;
            """, room);
        Db.Add(command, "@keep", (long)keep);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            messages.Add(new RoomMessage(rows.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1)), XElement.Parse(rows.GetString(2))));
        messages.Reverse();
        return messages;
    }

    /// <summary>
    /// The key occupant-ids are derived from: made once, kept in the database, so an account keeps its
    /// occupant-id in a room across restarts.
    /// </summary>
    public async Task<byte[]> OccupantKeyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO room_keys (id, occupant_key) VALUES (1, @key) ON CONFLICT (id) DO NOTHING;";
            Db.Add(insert, "@key", RandomNumberGenerator.GetBytes(32));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT occupant_key FROM room_keys WHERE id = 1;";
        return (byte[])(await read.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>How many rooms <paramref name="jidKey"/> owns.</summary>
    public async Task<long> OwnedRoomsAsync(string jidKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM room_affiliations WHERE jid = @jid AND affiliation = 'owner';";
        Db.Add(command, "@jid", jidKey);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>Deletes every affiliation of <paramref name="account"/>, and with them its nickname reservations.</summary>
    public async Task<int> DeleteAffiliationsAsync(Account account, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM room_affiliations WHERE jid = @jid;";
        Db.Add(command, "@jid", account.Key);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT jid FROM room_affiliations ORDER BY jid;";
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            if (Account.TryParse(rows.GetString(0), out var account)) yield return account;
    }

    private static async Task TrimAsync(DbConnection connection, DbTransaction? transaction, Jid room, int keep, CancellationToken cancellationToken)
    {
        await using var trim = Command(connection, """
            DELETE FROM room_messages WHERE room = @room AND seq NOT IN
                (SELECT seq FROM room_messages WHERE room = @room ORDER BY seq DESC LIMIT @keep);
            """, room);
        trim.Transaction = transaction;
        Db.Add(trim, "@keep", (long)Math.Max(keep, 0));
        await trim.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, string sql, Jid room)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Db.Add(command, "@room", room.ToString());
        return command;
    }
}
