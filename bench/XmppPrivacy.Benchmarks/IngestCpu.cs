using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// <c>--ingest-cpu BATCHES [ROUNDS] [PART]</c>: the batched ingest's cost in this process's CPU time as well
/// as in wall time. On a shared machine the wall time (what BenchmarkDotNet reports) mostly says how much of
/// a core the process got; CPU time per message says what one message costs, and 1 s / CPU time is the rate
/// one free core would reach. Each round writes BATCHES × 100 new messages (4 owners, no ids) into a new
/// database in a temp directory (production <c>SqliteDatabase</c>: WAL, synchronous=FULL, secure_delete),
/// checks the row count, and prints one line. PART says what is timed:
/// <list type="bullet">
/// <item><c>store</c> (default): <c>ArchiveStore.AppendManyAsync</c>, everything the component does.</item>
/// <item><c>insert</c> (on the one-table layout of archive schema step 1, in a database of its own, for
/// comparison: the store keeps hourly files since step 2): the store's prepared <c>INSERT</c> per row with the XML serialised beforehand (not
/// timed), one transaction per 100; <c>insert-no-ts</c> without the <c>(ts_ms)</c> index;
/// <c>insert-no-ts-with</c> also without <c>(owner, with_jid, ts_ms, seq)</c>; <c>insert-unique-only</c>
/// with only the unique <c>(owner, archive_id)</c>; <c>insert-normal</c> with all four and
/// synchronous=NORMAL (for comparison only: a commit would then not survive a power loss).</item>
/// <item><c>commit</c>: the fixed cost of a batch alone: a pooled connection, a transaction with one tiny
/// row and its flushed commit, BATCHES times (the figure is still divided by BATCHES × 100).</item>
/// </list>
/// </summary>
internal static class IngestCpu
{
    private static readonly string[] Parts = ["store", "insert", "insert-no-ts", "insert-no-ts-with", "insert-unique-only", "insert-normal", "commit"];

    public static void Run(int batches, int rounds, string part)
    {
        if (!Parts.Contains(part)) throw new ArgumentException($"PART is one of {string.Join(", ", Parts)}.");
        for (var round = 1; round <= rounds; round++)
        {
            var directory = ArchiveFixture.TempDirectory("ingest-cpu");
            try
            {
                var store = ArchiveFixture.OpenStore(Path.Combine(directory, "archive.db"), out var database);
                var now = DateTimeOffset.UtcNow;
                var all = Enumerable.Range(0, batches).Select(b => Enumerable.Range(b * 100, 100)
                    .Select(n => ArchiveFixture.Entry(n, 4, now.AddMilliseconds(n))).ToArray()).ToArray();
                var xml = all.Select(b => b.Select(e => e.Message.ToString(SaveOptions.DisableFormatting)).ToArray()).ToArray();
                store.AppendManyAsync(all[0][..1], CancellationToken.None).GetAwaiter().GetResult(); // JIT and pool warm-up
                // The insert parts time SQLite on the one-table layout of archive schema step 1 (its four indexes), in a
                // database of their own: the store keeps messages in hourly files since step 2.
                SqliteDatabase? oneTable = null;
                if (part.StartsWith("insert", StringComparison.Ordinal))
                {
                    oneTable = new SqliteDatabase(Path.Combine(directory, "one-table.db"), [new Schema("archive", [ArchiveStore.Schema.Single(m => m.Version == 1)])]);
                    oneTable.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
                }
                Execute(oneTable ?? database, part switch
                {
                    "insert-no-ts" => "DROP INDEX archive_messages_ts;",
                    "insert-no-ts-with" => "DROP INDEX archive_messages_ts; DROP INDEX archive_messages_owner_with_ts;",
                    "insert-unique-only" => "DROP INDEX archive_messages_ts; DROP INDEX archive_messages_owner_with_ts; DROP INDEX archive_messages_owner_ts;",
                    _ => null,
                });
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                for (var b = 0; b < batches; b++)
                {
                    if (part == "store") store.AppendManyAsync(all[b], CancellationToken.None).GetAwaiter().GetResult();
                    else if (part == "commit") CommitOnly(database);
                    else Insert(oneTable!, all[b], xml[b], part == "insert-normal");
                }
                wall.Stop();
                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                var messages = batches * 100;
                var rows = ArchiveFixture.ArchiveRows(database.FilePath)
                           + (oneTable is null ? 0 : ArchiveFixture.Scalar(oneTable.FilePath, "SELECT COUNT(*) FROM archive_messages;"));
                if (rows != (part == "commit" ? 1 : messages + 1)) throw new InvalidOperationException($"The archive has {rows} rows.");
                ArchiveFixture.DeleteDatabase(database.FilePath);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"// Ingest CPU ({part}): round {round}: {messages:N0} messages in batches of 100: wall {wall.Elapsed.TotalMicroseconds / messages:F1} µs " +
                    $"({messages / wall.Elapsed.TotalSeconds:N0}/s), CPU {used.TotalMicroseconds / messages:F1} µs per message " +
                    $"({messages / used.TotalSeconds:N0}/s per core); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static void Execute(SqliteDatabase database, string? sql)
    {
        if (sql is null) return;
        using var connection = database.OpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Insert(SqliteDatabase database, ArchiveEntry[] batch, string[] xml, bool normal)
    {
        using var connection = database.OpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = normal ? "PRAGMA synchronous=NORMAL;" : "PRAGMA synchronous=FULL;";
            pragma.ExecuteNonQuery();
        }
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml) " +
                              "VALUES (@owner, @id, @with, @direction, @ts, @xml) ON CONFLICT (owner, archive_id) DO NOTHING;";
        var parameters = new[] { "@owner", "@id", "@with", "@direction", "@ts", "@xml" }.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        command.Prepare();
        for (var i = 0; i < batch.Length; i++)
        {
            var e = batch[i];
            parameters[0].Value = ArchiveStore.Key(e.Owner);
            parameters[1].Value = ArchiveStore.NewId();
            parameters[2].Value = ArchiveStore.Key(e.With);
            parameters[3].Value = "in";
            parameters[4].Value = e.Timestamp.ToUnixTimeMilliseconds();
            parameters[5].Value = xml[i];
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static void CommitOnly(SqliteDatabase database)
    {
        using DbConnection connection = database.OpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO archive_prefs (owner, default_policy) VALUES ('bench@example.org', 'always') " +
                              "ON CONFLICT (owner) DO UPDATE SET default_policy = excluded.default_policy;";
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
