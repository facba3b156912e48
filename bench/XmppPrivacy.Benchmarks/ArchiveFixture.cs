using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// What the archive benchmarks share: realistic ~300-byte <c>jabber:client</c> chat messages, a store on
/// a real SQLite file (WAL, synchronous=FULL, as in production), and the cached 1,000,000- and 10,000,000-row
/// archives (<see cref="DbPath"/>; about 15 s and 2 minutes to build) that are reused while they are intact.
/// </summary>
internal static class ArchiveFixture
{
    /// <summary>The cached 1,000,000-row archive (pages and sweep); rebuilt when missing or not exactly <see cref="LargeRows"/> rows.</summary>
    public static readonly string LargeDbPath = DbPath(LargeRows);

    public const int LargeRows = 1_000_000;

    /// <summary>The second archive size of the page benchmark, cached as /tmp/xmppprivacy-bench-archive-10m.db.</summary>
    public const int HugeRows = 10_000_000;

    /// <summary>
    /// Owners in every generated archive, whatever its size: a small community server's archiving users. A
    /// larger archive means that these users keep more (heavier use, or a longer retention), not more users.
    /// </summary>
    public const int LargeOwners = 1000;

    /// <summary>The contacts each owner talks to, in turn.</summary>
    public const int ContactsPerOwner = 10;

    /// <summary>Live rows span this long before the archive's "now" (retention is 7 days).</summary>
    public static readonly TimeSpan LiveSpan = TimeSpan.FromDays(6);

    /// <summary>Rows that go through the production <see cref="ArchiveStore.AppendManyAsync"/> before the fast path takes over.</summary>
    private const int StoreWrittenRows = 10_000;

    // Ordinary chat text, one or two non-ASCII characters each (as in StreamReaderBenchmark).
    private static readonly string[] Bodies =
    [
        "Are we still on for lunch at the café near the station?",
        "Sure — I'll bring yesterday's notes, see you at one.",
        "Running late, the tram is stuck. Order me the soup, merci!",
        "No worries. Did you read Zoë's summary of the report?",
    ];

    /// <summary>Where the cached archive of <paramref name="rows"/> rows lives: /tmp/xmppprivacy-bench-archive-1m.db, -10m.db.</summary>
    public static string DbPath(int rows) =>
        rows % 1_000_000 == 0 ? $"/tmp/xmppprivacy-bench-archive-{rows / 1_000_000}m.db" : $"/tmp/xmppprivacy-bench-archive-{rows}.db";

    public static Jid Owner(int i) => Jid.Parse($"user{i:D4}@example.org");

    public static Jid Contact(int i) => Jid.Parse($"contact{i:D2}@example.net");

    /// <summary>
    /// A chat message as the owner's server routes it, e.g.
    /// <c>&lt;message xmlns='jabber:client' from='user0042@example.org/phone' to='contact03@example.net' id='…' type='chat' xml:lang='en'&gt;&lt;body&gt;…&lt;/body&gt;&lt;active …/&gt;&lt;origin-id …/&gt;&lt;/message&gt;</c>
    /// (about 300 bytes stored).
    /// </summary>
    public static XElement Message(Jid owner, Jid contact, ArchiveDirection direction, long n)
    {
        var (from, to) = direction == ArchiveDirection.Out
            ? ($"{owner}/phone", contact.ToString())
            : ($"{contact}/laptop", owner.ToString());
        return XElement.Parse(
            $"<message xmlns='jabber:client' from='{from}' to='{to}' id='msg-{n:D8}' type='chat' xml:lang='en'>" +
            $"<body>{Bodies[n % Bodies.Length]}</body><active xmlns='http://jabber.org/protocol/chatstates'/>" +
            $"<origin-id xmlns='urn:xmpp:sid:0' id='{OriginId(n)}'/></message>");
    }

    private static Guid OriginId(long n) => new((int)n, 0x3b4a, 0x4e8f, 0x9a, 0x61, 0x0c, 0x5d, 0x2e, 0x8b, 0x4f, 0x13);

    /// <summary>Row <paramref name="n"/> of a generated archive: owners interleaved in time, contacts in turn.</summary>
    public static ArchiveEntry Entry(long n, int owners, DateTimeOffset timestamp)
    {
        var (owner, contact, direction) = Shape(n, owners);
        return new ArchiveEntry(owner, contact, direction, timestamp, Message(owner, contact, direction, n));
    }

    private static (Jid Owner, Jid Contact, ArchiveDirection Direction) Shape(long n, int owners) =>
        (Owner((int)(n % owners)), Contact((int)(n / owners % ContactsPerOwner)),
         n / owners / ContactsPerOwner % 2 == 0 ? ArchiveDirection.In : ArchiveDirection.Out);

    /// <summary>
    /// The row the store writes for <see cref="Entry"/> (owner key, with key, direction, stored XML) as plain
    /// strings, without building an <see cref="XElement"/>: the fast path of <see cref="EnsureArchive"/>.
    /// <see cref="EnsureArchive"/> compares it with rows written by the store itself before using it.
    /// </summary>
    private static (string Owner, string With, string Direction, string Xml) Row(long n, int owners)
    {
        var ownerIndex = (int)(n % owners);
        var contactIndex = (int)(n / owners % ContactsPerOwner);
        var owner = $"user{ownerIndex:D4}@example.org";
        var contact = $"contact{contactIndex:D2}@example.net";
        var incoming = n / owners / ContactsPerOwner % 2 == 0;
        var (from, to) = incoming ? ($"{contact}/laptop", owner) : ($"{owner}/phone", contact);
        var xml = $"<message xmlns=\"jabber:client\" from=\"{from}\" to=\"{to}\" id=\"msg-{n:D8}\" type=\"chat\" xml:lang=\"en\">" +
                  $"<body>{Bodies[n % Bodies.Length]}</body><active xmlns=\"http://jabber.org/protocol/chatstates\" />" +
                  $"<origin-id xmlns=\"urn:xmpp:sid:0\" id=\"{OriginId(n)}\" /></message>";
        return (owner, contact, incoming ? "in" : "out", xml);
    }

    /// <summary>A migrated store on <paramref name="path"/>, with the production retention of 7 days.</summary>
    public static ArchiveStore OpenStore(string path, out SqliteDatabase database)
    {
        database = new SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas);
        database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        return new ArchiveStore(database, new ArchiveOptions());
    }

    /// <summary>The cached 1,000,000-row archive (see <see cref="EnsureArchive"/>).</summary>
    public static DateTimeOffset EnsureLargeArchive() => EnsureArchive(LargeRows);

    /// <summary>
    /// The cached archive of <paramref name="rows"/> rows at <see cref="DbPath"/>: <see cref="LargeOwners"/> owners
    /// with rows / owners messages each, interleaved, timestamps evenly over <see cref="LiveSpan"/>. Returns its
    /// "now" (the newest message + 1 s), so that every row stays live whatever day the cache is reused on:
    /// queries pass this time, not the wall clock.
    /// </summary>
    /// <remarks>
    /// Built fast but with the production schema and row format: the migrations create the schema; the first
    /// <see cref="StoreWrittenRows"/> rows go through <see cref="ArchiveStore.AppendManyAsync"/> and must equal what
    /// the fast path would have written; the indexes are then dropped, the remaining rows inserted by one prepared
    /// command in large transactions (no journal, no flush: a crash only means a rebuild), and the indexes
    /// recreated from their own definitions (a sort instead of a random B-tree insert per row and index). The
    /// file is left in WAL mode, as the production database opens it.
    /// </remarks>
    public static DateTimeOffset EnsureArchive(int rows)
    {
        var path = DbPath(rows);
        if (File.Exists(path) && Scalar(path, "SELECT COUNT(*) FROM archive_messages;") == rows)
            return Now(path);

        Console.WriteLine($"// Building: {path} ({rows:N0} rows, {LargeOwners} owners); it is cached for later runs ...");
        var building = path + ".building";
        DeleteDatabase(building);
        var clock = Stopwatch.StartNew();
        var store = OpenStore(building, out _);
        var newest = DateTimeOffset.UtcNow;
        var oldest = newest - LiveSpan;
        var step = LiveSpan.TotalMilliseconds / rows;
        DateTimeOffset At(long n) => oldest.AddMilliseconds(n * step);

        // The production path for the first rows, then the fast path must write exactly the same.
        var first = Math.Min(StoreWrittenRows, rows);
        var entries = new List<ArchiveEntry>(first);
        for (long n = 0; n < first; n++) entries.Add(Entry(n, LargeOwners, At(n)));
        store.AppendManyAsync(entries, CancellationToken.None).GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();

        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = building, Pooling = false }.ToString()))
        {
            connection.Open();
            CheckRows(connection, first);
            Execute(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY;");
            var indexes = new List<(string Name, string Sql)>();
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'archive_messages' AND sql IS NOT NULL;";
                using var found = read.ExecuteReader();
                while (found.Read()) indexes.Add((found.GetString(0), found.GetString(1)));
            }
            foreach (var index in indexes) Execute(connection, $"DROP INDEX {index.Name};");

            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml) VALUES ($o, $i, $w, $d, $t, $x);";
            var owner = insert.Parameters.Add("$o", SqliteType.Text);
            var id = insert.Parameters.Add("$i", SqliteType.Text);
            var with = insert.Parameters.Add("$w", SqliteType.Text);
            var direction = insert.Parameters.Add("$d", SqliteType.Text);
            var ts = insert.Parameters.Add("$t", SqliteType.Integer);
            var xml = insert.Parameters.Add("$x", SqliteType.Text);
            const int transactionRows = 500_000;
            for (long start = first; start < rows; start += transactionRows)
            {
                using var transaction = connection.BeginTransaction();
                insert.Transaction = transaction;
                insert.Prepare();
                for (var n = start; n < Math.Min(start + transactionRows, rows); n++)
                {
                    var row = Row(n, LargeOwners);
                    owner.Value = row.Owner;
                    id.Value = ArchiveStore.NewId();
                    with.Value = row.With;
                    direction.Value = row.Direction;
                    ts.Value = At(n).ToUnixTimeMilliseconds();
                    xml.Value = row.Xml;
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            var inserted = clock.Elapsed;
            foreach (var index in indexes) Execute(connection, index.Sql + ";");
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Console.WriteLine($"// Built: the rows in {inserted.TotalSeconds:F0} s, then {indexes.Count} indexes in {(clock.Elapsed - inserted).TotalSeconds:F0} s.");
        }
        var count = Scalar(building, "SELECT COUNT(*) FROM archive_messages;");
        if (count != rows) throw new InvalidOperationException($"The archive has {count} rows, expected {rows}.");
        if (Text(building, "PRAGMA journal_mode;") != "wal") throw new InvalidOperationException("The archive is not in WAL mode.");
        Checkpoint(building);
        DeleteDatabase(path);
        File.Move(building, path);
        Console.WriteLine($"// Built: {path} in {clock.Elapsed.TotalSeconds:F0} s ({new FileInfo(path).Length / 1_000_000} MB).");
        return Now(path);
    }

    /// <summary>The rows the store wrote must be exactly what <see cref="Row"/> produces, or the fast path would build another archive.</summary>
    private static void CheckRows(SqliteConnection connection, int count)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner, with_jid, direction, xml FROM archive_messages ORDER BY seq;";
        using var rows = command.ExecuteReader();
        var n = 0L;
        while (rows.Read())
        {
            var expected = Row(n, LargeOwners);
            if (rows.GetString(0) != expected.Owner || rows.GetString(1) != expected.With || rows.GetString(2) != expected.Direction
                || rows.GetString(3) != expected.Xml)
                throw new InvalidOperationException(
                    $"Row {n} as the store wrote it differs from the fast path's:\n{rows.GetString(0)} {rows.GetString(1)} {rows.GetString(2)} {rows.GetString(3)}\n" +
                    $"{expected.Owner} {expected.With} {expected.Direction} {expected.Xml}");
            n++;
        }
        if (n != count) throw new InvalidOperationException($"The store wrote {n} rows, expected {count}.");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static DateTimeOffset Now(string path) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Scalar(path, "SELECT MAX(ts_ms) FROM archive_messages;") + 1000);

    /// <summary>Runs a scalar query on its own connection (outside the store, for setup checks).</summary>
    public static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : throw new InvalidOperationException($"No result for: {sql}");
    }

    /// <summary>How many messages the archive's hourly files (<c>&lt;path&gt;.archive/*.db</c>) hold, summed over the files.</summary>
    public static long ArchiveRows(string path)
    {
        var folder = path + ".archive";
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.db").Sum(file => Scalar(file, "SELECT COUNT(*) FROM archive_messages;"))
            : 0;
    }

    /// <summary>Runs a text query (e.g. an archive id) on its own connection.</summary>
    public static string Text(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string ?? throw new InvalidOperationException($"No result for: {sql}");
    }

    /// <summary>Folds the WAL into the main file and closes every pooled connection, so the file can be moved or copied.</summary>
    public static void Checkpoint(string path)
    {
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
    }

    /// <summary>Deletes a database file and its WAL and shared-memory files, closing pooled connections first.</summary>
    public static void DeleteDatabase(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm", "-journal"])
            File.Delete(path + suffix);
        if (Directory.Exists(path + ".archive")) Directory.Delete(path + ".archive", recursive: true);
    }

    /// <summary>A new empty directory under the system temp directory.</summary>
    public static string TempDirectory(string name) =>
        Directory.CreateTempSubdirectory($"xmppprivacy-bench-{name}-").FullName;

    /// <summary>The p-th percentile (0–100) of sorted values, nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
