using System.Diagnostics;
using System.Globalization;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Services.Accounts;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// <c>--sweep-groups [ROWS] [BATCH] [files-only]</c>: the real store and sweep on the hourly files (ADR 0010). A new database
/// in a temp directory (production <c>SqliteDatabase</c>: WAL, synchronous=FULL, secure_delete; 7 days of
/// retention) is filled through <see cref="ArchiveStore.AppendManyAsync"/> (10,000 per call) with ROWS
/// (default 1,000,000) expired messages of 1000 owners, evenly over the 24 hours before the cutoff, so that 24
/// hours' files lie wholly before it and the hour that holds the cutoff has half an hour of expired rows to be
/// deleted row by row. Then the ingest alone (10 new messages per durable batch every 20 ms, 500 batches) is the
/// baseline, and the sweep (<see cref="ArchiveSweep"/>, batches of BATCH rows, default 250 as
/// <c>Sweeps:BatchSize</c>) runs while the same ingest goes on. Prints the sweep's time and the ingest's commit
/// latencies before and during it, with the load average at the start of each phase; checks that exactly ROWS
/// were deleted and every ingested message is still there. With <c>files-only</c> the expired rows end where the
/// cutoff's hour begins, so the sweep only deletes whole files (to tell the two parts' effect on ingest apart).
/// </summary>
internal static class SweepGroups
{
    private const int IngestBatch = 10;
    private static readonly TimeSpan IngestEvery = TimeSpan.FromMilliseconds(20);
    private const int BaselineBatches = 500;

    public static void Run(int rows, int batchSize, bool filesOnly) => RunAsync(rows, batchSize, filesOnly).GetAwaiter().GetResult();

    private static async Task RunAsync(int rows, int batchSize, bool filesOnly)
    {
        var directory = ArchiveFixture.TempDirectory("sweep-groups");
        try
        {
            Console.WriteLine($"// Sweep-groups: {Environment.ProcessorCount} cores, load average {Load()} at the start.");
            var store = ArchiveFixture.OpenStore(Path.Combine(directory, "archive.db"), out var database);
            var now = DateTimeOffset.UtcNow;
            var cutoff = now - store.Options.ExpiresAfter;
            // files-only: the expired rows end where the cutoff's hour begins, so the sweep only deletes files.
            var newest = filesOnly ? DateTimeOffset.FromUnixTimeMilliseconds(cutoff.ToUnixTimeMilliseconds() / 3_600_000 * 3_600_000) : cutoff;
            var oldest = newest - TimeSpan.FromHours(24);
            var step = (newest - oldest).TotalMilliseconds / rows;
            var clock = Stopwatch.StartNew();
            await ArchiveFixture.FillAsync(store, rows, oldest, step);
            var files = (await database.FilesAsync("archive", CancellationToken.None)).Count;
            Console.WriteLine($"// Sweep-groups: filled {rows:N0} expired messages into {files} hourly files in {clock.Elapsed.TotalSeconds:F0} s " +
                              $"({rows / clock.Elapsed.TotalSeconds:N0} messages/s through AppendManyAsync).");

            long ingested = 0;
            var next = (long)rows;
            async Task<List<double>> IngestAsync(Func<bool> stop, int count)
            {
                var latencies = new List<double>();
                var started = Stopwatch.StartNew();
                while (latencies.Count < count && !stop())
                {
                    var due = IngestEvery * latencies.Count - started.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due);
                    var entries = Enumerable.Range(0, IngestBatch)
                        .Select(i => ArchiveFixture.Entry(next + i, ArchiveFixture.LargeOwners, now.AddMilliseconds(next - rows + i))).ToList();
                    next += IngestBatch;
                    var at = Stopwatch.GetTimestamp();
                    await store.AppendManyAsync(entries, CancellationToken.None);
                    latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                    ingested += IngestBatch;
                }
                latencies.Sort();
                return latencies;
            }

            Console.WriteLine($"// Sweep-groups: baseline starts, load average {Load()}.");
            var baseline = await IngestAsync(() => false, BaselineBatches);
            Console.WriteLine($"// Sweep-groups: ingest baseline (no sweep): {Describe(baseline)}");

            var before = (await database.FilesAsync("archive", CancellationToken.None)).Count;
            Console.WriteLine($"// Sweep-groups: sweep starts, load average {Load()}.");
            var done = 0;
            var during = Task.Run(() => IngestAsync(() => Volatile.Read(ref done) == 1, int.MaxValue));
            clock.Restart();
            int deleted;
            try
            {
                deleted = await new ArchiveSweep(store).RunAsync(now, batchSize, CancellationToken.None);
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
            var elapsed = clock.Elapsed;
            var latencies = await during;

            var left = await store.AuditAsync("archive", null, now, CancellationToken.None);
            var filesLeft = (await database.FilesAsync("archive", CancellationToken.None)).Count;
            if (deleted != rows || left.Count != ingested || left.OldestAge > store.Options.ExpiresAfter)
                throw new InvalidOperationException($"The sweep deleted {deleted:N0} messages and left {left.Count:N0} (oldest {left.OldestAge}); " +
                                                    $"expected {rows:N0} deleted and the {ingested:N0} ingested left.");
            Console.WriteLine($"// Sweep-groups: deleted {deleted:N0} expired messages ({before - filesLeft} hourly files deleted whole, the boundary hour's in batches of {batchSize}) " +
                              $"in {elapsed.TotalSeconds:F2} s = {deleted / elapsed.TotalSeconds:N0} messages/s.");
            Console.WriteLine($"// Sweep-groups: ingest during the sweep: {Describe(latencies)}");
            Console.WriteLine($"// Sweep-groups: p99 during / baseline = {ArchiveFixture.Percentile(latencies, 99) / ArchiveFixture.Percentile(baseline, 99):F2}; " +
                              $"load average at the end {Load()}.");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Describe(List<double> sorted) =>
        $"{sorted.Count:N0} batches of {IngestBatch}, commit p50 {ArchiveFixture.Percentile(sorted, 50):F2} ms, p95 {ArchiveFixture.Percentile(sorted, 95):F2} ms, " +
        $"p99 {ArchiveFixture.Percentile(sorted, 99):F2} ms, max {(sorted.Count == 0 ? double.NaN : sorted[^1]):F2} ms";

    private static string Load() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
