using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// What the archive benchmarks share: realistic ~300-byte <c>jabber:client</c> chat messages, a store on
/// a real SQLite file (WAL, synchronous=FULL, as in production), and the helpers to read and delete it.
/// </summary>
internal static class ArchiveFixture
{
    /// <summary>
    /// Owners in every generated archive, whatever its size: a small community server's archiving users. A
    /// larger archive means that these users keep more (heavier use, or a longer retention), not more users.
    /// </summary>
    public const int LargeOwners = 1000;

    /// <summary>The contacts each owner talks to, in turn.</summary>
    public const int ContactsPerOwner = 10;

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
    /// Appends <paramref name="rows"/> messages of <see cref="LargeOwners"/> owners through the production
    /// <see cref="ArchiveStore.AppendManyAsync"/>, 10,000 per call, the n-th at <paramref name="oldest"/> + n × <paramref name="step"/> ms.
    /// </summary>
    public static async Task FillAsync(ArchiveStore store, long rows, DateTimeOffset oldest, double step)
    {
        const int fill = 10_000;
        for (long first = 0; first < rows; first += fill)
        {
            var entries = new List<ArchiveEntry>(fill);
            for (var n = first; n < Math.Min(first + fill, rows); n++)
                entries.Add(Entry(n, LargeOwners, oldest.AddMilliseconds(n * step)));
            await store.AppendManyAsync(entries, CancellationToken.None);
        }
    }

    /// <summary>A migrated store on <paramref name="path"/>, with the production retention of 7 days.</summary>
    public static ArchiveStore OpenStore(string path, out SqliteDatabase database)
    {
        database = new SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas);
        database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        return new ArchiveStore(database, new ArchiveOptions());
    }

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
