using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// What the archive benchmarks share: realistic ~300-byte <c>jabber:client</c> chat messages, a store on
/// a real SQLite file (WAL, synchronous=FULL, as in production), and the cached 1,000,000-row archive
/// (<see cref="LargeDbPath"/>) that takes about a minute to build and is reused while it is intact.
/// </summary>
internal static class ArchiveFixture
{
    /// <summary>The cached large archive; rebuilt when missing or not exactly <see cref="LargeRows"/> rows.</summary>
    public const string LargeDbPath = "/tmp/xmppprivacy-bench-archive-1m.db";

    public const int LargeRows = 1_000_000;
    public const int LargeOwners = 1000;

    /// <summary>The contacts each owner talks to, in turn.</summary>
    public const int ContactsPerOwner = 10;

    /// <summary>Live rows span this long before the archive's "now" (retention is 7 days).</summary>
    public static readonly TimeSpan LiveSpan = TimeSpan.FromDays(6);

    // Ordinary chat text, one or two non-ASCII characters each (as in StreamReaderBenchmark).
    private static readonly string[] Bodies =
    [
        "Are we still on for lunch at the café near the station?",
        "Sure — I'll bring yesterday's notes, see you at one.",
        "Running late, the tram is stuck. Order me the soup, merci!",
        "No worries. Did you read Zoë's summary of the report?",
    ];

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
            $"<origin-id xmlns='urn:xmpp:sid:0' id='{new Guid((int)n, 0x3b4a, 0x4e8f, 0x9a, 0x61, 0x0c, 0x5d, 0x2e, 0x8b, 0x4f, 0x13)}'/></message>");
    }

    /// <summary>Row <paramref name="n"/> of a generated archive: owners interleaved in time, contacts in turn.</summary>
    public static ArchiveEntry Entry(long n, int owners, DateTimeOffset timestamp)
    {
        var owner = Owner((int)(n % owners));
        var contact = Contact((int)(n / owners % ContactsPerOwner));
        var direction = n / owners / ContactsPerOwner % 2 == 0 ? ArchiveDirection.In : ArchiveDirection.Out;
        return new ArchiveEntry(owner, contact, direction, timestamp, Message(owner, contact, direction, n));
    }

    /// <summary>A migrated store on <paramref name="path"/>, with the production retention of 7 days.</summary>
    public static ArchiveStore OpenStore(string path, out SqliteDatabase database)
    {
        database = new SqliteDatabase(path);
        database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        return new ArchiveStore(database, new ArchiveOptions());
    }

    /// <summary>
    /// The cached 1,000,000-row archive: 1000 owners × 1000 messages, interleaved, timestamps evenly over
    /// <see cref="LiveSpan"/>. Returns its "now" (the newest message + 1 s), so that every row stays live
    /// whatever day the cache is reused on: queries pass this time, not the wall clock.
    /// </summary>
    public static DateTimeOffset EnsureLargeArchive()
    {
        if (File.Exists(LargeDbPath) && Scalar(LargeDbPath, "SELECT COUNT(*) FROM archive_messages;") == LargeRows)
            return Now(LargeDbPath);

        Console.WriteLine($"// Building {LargeDbPath} ({LargeRows:N0} rows); it is cached for later runs ...");
        var building = LargeDbPath + ".building";
        DeleteDatabase(building);
        var store = OpenStore(building, out _);
        var newest = DateTimeOffset.UtcNow;
        var oldest = newest - LiveSpan;
        var step = LiveSpan.TotalMilliseconds / LargeRows;
        var clock = Stopwatch.StartNew();
        const int batch = 10_000;
        for (long first = 0; first < LargeRows; first += batch)
        {
            var entries = new List<ArchiveEntry>(batch);
            for (var n = first; n < first + batch; n++)
                entries.Add(Entry(n, LargeOwners, oldest.AddMilliseconds(n * step)));
            store.AppendManyAsync(entries, CancellationToken.None).GetAwaiter().GetResult();
        }
        Checkpoint(building);
        var rows = Scalar(building, "SELECT COUNT(*) FROM archive_messages;");
        if (rows != LargeRows) throw new InvalidOperationException($"The large archive has {rows} rows, expected {LargeRows}.");
        DeleteDatabase(LargeDbPath);
        File.Move(building, LargeDbPath);
        Console.WriteLine($"// Built {LargeDbPath} in {clock.Elapsed.TotalSeconds:F0} s ({new FileInfo(LargeDbPath).Length / 1_000_000} MB).");
        return Now(LargeDbPath);
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
    }

    /// <summary>A new empty directory under the system temp directory.</summary>
    public static string TempDirectory(string name) =>
        Directory.CreateTempSubdirectory($"xmppprivacy-bench-{name}-").FullName;

    /// <summary>The p-th percentile (0–100) of sorted values, nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
