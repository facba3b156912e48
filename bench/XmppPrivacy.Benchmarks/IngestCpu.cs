using System.Diagnostics;
using System.Globalization;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// <c>--ingest-cpu BATCHES [ROUNDS]</c>: the batched ingest's cost in this process's CPU time as well as
/// in wall time. On a shared machine the wall time (what BenchmarkDotNet reports) mostly says how much
/// of a core the process got; CPU time per message says what one message costs, and 1 s / CPU time is the
/// rate one free core would reach. Each round appends BATCHES × 100 new messages (4 owners, no ids) with
/// <c>ArchiveStore.AppendManyAsync</c> into a new database in a temp directory (production
/// <c>SqliteDatabase</c>: WAL, synchronous=FULL, secure_delete), checks the row count, and prints one line.
/// </summary>
internal static class IngestCpu
{
    public static void Run(int batches, int rounds)
    {
        for (var round = 1; round <= rounds; round++)
        {
            var directory = ArchiveFixture.TempDirectory("ingest-cpu");
            try
            {
                var store = ArchiveFixture.OpenStore(Path.Combine(directory, "archive.db"), out var database);
                var now = DateTimeOffset.UtcNow;
                var all = Enumerable.Range(0, batches).Select(b => Enumerable.Range(b * 100, 100)
                    .Select(n => ArchiveFixture.Entry(n, 4, now.AddMilliseconds(n))).ToArray()).ToArray();
                store.AppendManyAsync(all[0][..1], CancellationToken.None).GetAwaiter().GetResult(); // JIT and pool warm-up
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                foreach (var batch in all)
                    store.AppendManyAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                wall.Stop();
                process.Refresh();
                var used = process.TotalProcessorTime - cpu;
                var messages = batches * 100;
                var rows = ArchiveFixture.Scalar(database.FilePath, "SELECT COUNT(*) FROM archive_messages;");
                if (rows != messages + 1) throw new InvalidOperationException($"The archive has {rows} rows, expected {messages + 1}.");
                ArchiveFixture.DeleteDatabase(database.FilePath);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"// Ingest CPU: round {round}: {messages:N0} messages in batches of 100: wall {wall.Elapsed.TotalMicroseconds / messages:F1} µs " +
                    $"({messages / wall.Elapsed.TotalSeconds:N0}/s), CPU {used.TotalMicroseconds / messages:F1} µs per message " +
                    $"({messages / used.TotalSeconds:N0}/s per core); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
