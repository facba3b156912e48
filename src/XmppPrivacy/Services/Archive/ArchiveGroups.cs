using System.Data.Common;
using System.Globalization;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// The archive's messages live in one SQLite file per UTC hour (a "group") in the folder
/// <c>&lt;database&gt;.archive/</c>, named <c>yyyy-MM-ddTHH.db</c>, so that a whole hour past retention is removed
/// by deleting its file, which never takes the write lock of the file being appended to
/// (docs/adr/0010-archive-rows-grouped-by-time.md). A group's file holds one table, <c>archive_messages</c>,
/// whose rowid <c>seq</c> orders messages with the same time: since a time falls in exactly one group,
/// (ts_ms, seq) orders all of an owner's messages.
/// A group in use is held open by a lease; deleting a group waits until nobody holds it and lets nobody in meanwhile.
/// </summary>
internal sealed class ArchiveGroups(IDatabase database)
{
    public const string Folder = "archive";
    public const long Width = 3_600_000;

    /// <summary>The SQL that makes a group's file: the three owner-keyed indexes, no index on time (a file is its time range).</summary>
    public const string Schema = """
        CREATE TABLE archive_messages (
            seq INTEGER PRIMARY KEY,
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
        """;

    private const string NameFormat = "yyyy-MM-dd'T'HH";

    private readonly Dictionary<long, Gate> _gates = [];

    public static long Of(long ts) => (ts - ((ts % Width) + Width) % Width) / Width;

    public static long StartOf(long group) => group * Width;

    /// <summary>The first time after the group.</summary>
    public static long EndOf(long group) => (group + 1) * Width;

    public static string Name(long group) =>
        DateTimeOffset.FromUnixTimeMilliseconds(StartOf(group)).UtcDateTime.ToString(NameFormat, CultureInfo.InvariantCulture);

    public static bool TryParse(string name, out long group)
    {
        group = 0;
        if (!DateTime.TryParseExact(name, NameFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return false;
        group = Of(new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds());
        return Name(group) == name;
    }

    /// <summary>Every group that has a file, oldest first.</summary>
    public async Task<List<long>> ListAsync(CancellationToken cancellationToken)
    {
        var groups = new List<long>();
        foreach (var name in await database.FilesAsync(Folder, cancellationToken))
            if (TryParse(name, out var group)) groups.Add(group);
        groups.Sort();
        return groups;
    }

    /// <summary>
    /// Opens the group's file (made first when <paramref name="create"/>), held against deletion until the lease
    /// is disposed; null when the group has no file and is not to be made.
    /// </summary>
    public async Task<Lease?> OpenAsync(long group, bool create, CancellationToken cancellationToken)
    {
        await EnterAsync(group, cancellationToken);
        try
        {
            var connection = await database.OpenFileAsync(Folder, Name(group), create ? Schema : null, cancellationToken);
            if (connection is not null) return new Lease(this, group, connection);
        }
        catch
        {
            Leave(group);
            throw;
        }
        Leave(group);
        return null;
    }

    /// <summary>Deletes the group's file once nobody uses it; nobody can open it meanwhile.</summary>
    public async Task DeleteAsync(long group, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(group, out gate!)) _gates[group] = gate = new Gate();
            gate.Closing++;
        }
        try
        {
            while (true)
            {
                lock (_gates)
                    if (gate.Users == 0) break;
                await Task.Delay(1, cancellationToken);
            }
            await database.DeleteFileAsync(Folder, Name(group), cancellationToken);
        }
        finally
        {
            lock (_gates)
                if (--gate.Closing == 0 && gate.Users == 0) _gates.Remove(group);
        }
    }

    /// <summary>
    /// Schema step 2: copies the one-table archive into the hourly files, keeping ids, times, seq (so the order
    /// of messages with the same time) and XML. Idempotent: a copy interrupted before the step commits is
    /// repeated, and each file refuses the rows it already has.
    /// </summary>
    public static async Task MoveTableAsync(IDatabase database, DbConnection connection, DbTransaction transaction,
        CancellationToken cancellationToken)
    {
        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT seq, owner, archive_id, with_jid, direction, ts_ms, xml FROM archive_messages ORDER BY ts_ms, seq;";
        await using var rows = await read.ExecuteReaderAsync(cancellationToken);
        DbConnection? file = null;
        DbTransaction? writing = null;
        DbCommand? insert = null;
        long? current = null;
        try
        {
            while (await rows.ReadAsync(cancellationToken))
            {
                var group = Of(rows.GetInt64(5));
                if (group != current)
                {
                    await CloseAsync();
                    file = (await database.OpenFileAsync(Folder, Name(group), Schema, cancellationToken))!;
                    writing = await file.BeginTransactionAsync(cancellationToken);
                    insert = file.CreateCommand();
                    insert.Transaction = writing;
                    insert.CommandText = """
                        INSERT INTO archive_messages (seq, owner, archive_id, with_jid, direction, ts_ms, xml)
                        VALUES (@seq, @owner, @id, @with, @direction, @ts, @xml) ON CONFLICT DO NOTHING;
                        """;
                    foreach (var name in (string[])["@seq", "@owner", "@id", "@with", "@direction", "@ts", "@xml"])
                        Db.Add(insert, name, null);
                    current = group;
                }
                for (var i = 0; i < 7; i++) insert!.Parameters[i].Value = rows.GetValue(i);
                await insert!.ExecuteNonQueryAsync(cancellationToken);
            }
            await CloseAsync();
        }
        finally
        {
            if (insert is not null) await insert.DisposeAsync();
            if (writing is not null) await writing.DisposeAsync();
            if (file is not null) await file.DisposeAsync();
        }

        async Task CloseAsync()
        {
            if (writing is not null) await writing.CommitAsync(cancellationToken);
            if (insert is not null) await insert.DisposeAsync();
            if (writing is not null) await writing.DisposeAsync();
            if (file is not null) await file.DisposeAsync();
            (insert, writing, file) = (null, null, null);
        }
    }

    private async Task EnterAsync(long group, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gates)
            {
                if (!_gates.TryGetValue(group, out var gate)) _gates[group] = gate = new Gate();
                if (gate.Closing == 0)
                {
                    gate.Users++;
                    return;
                }
            }
            await Task.Delay(1, cancellationToken);
        }
    }

    private void Leave(long group)
    {
        lock (_gates)
            if (_gates.TryGetValue(group, out var gate) && --gate.Users == 0 && gate.Closing == 0) _gates.Remove(group);
    }

    private sealed class Gate
    {
        public int Users;
        public int Closing;
    }

    /// <summary>An open connection to one group's file, which cannot be deleted while it is held.</summary>
    public sealed class Lease(ArchiveGroups groups, long group, DbConnection connection) : IAsyncDisposable
    {
        public long Group => group;

        public DbConnection Connection => connection;

        public async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            groups.Leave(group);
        }
    }
}
