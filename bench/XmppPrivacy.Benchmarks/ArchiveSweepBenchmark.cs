using System.Diagnostics;
using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// One retention sweep, measured once (<see cref="SweepJob"/>: a single invocation, no warmup): a copy of
/// the cached 1,000,000-row live archive plus <see cref="ExpiredRows"/> expired rows (8 to 10 days old,
/// spread over the same 1000 owners), swept by <see cref="ArchiveSweep"/> in batches of
/// <see cref="BatchSize"/> until none is left. While it runs, one concurrent loop keeps asking for the
/// newest 50-message page of a random owner (live rows) and times every query with a <see cref="Stopwatch"/>,
/// and a second loop ingests as the bridge feeds the archive: a batch of <see cref="IngestBatch"/> new live
/// messages every <see cref="IngestEvery"/> (500 messages/s, far above a small server's load), each batch one
/// durable transaction, timed from the call to its commit. The same loops without a sweep, run in the setup,
/// are the baseline. The figures are printed as <c>// Sweep:</c> lines (BenchmarkDotNet's own table has only
/// the sweep's total time).
/// </summary>
[Config(typeof(SweepJob))]
public class ArchiveSweepBenchmark
{
    public const int ExpiredRows = 1_000_000;
    /// <summary>Rows per sweep batch (<c>Sweeps:BatchSize</c>): smaller batches hold SQLite's write lock for less time.</summary>
    [Params(250, 1000)]
    public int BatchSize { get; set; } = 1000;
    private const int BaselineQueries = 2000;
    public const int IngestBatch = 10;
    public static readonly TimeSpan IngestEvery = TimeSpan.FromMilliseconds(20);
    private const int BaselineBatches = 500;
    private long _ingested;

    private readonly ArchiveOptions _options = new();
    private string _directory = "";
    private string _path = "";
    private ArchiveStore _store = null!;
    private DateTimeOffset _now;
    private ArchiveQuery _lastPage = null!;

    [GlobalSetup]
    public void Setup()
    {
        _now = ArchiveFixture.EnsureLargeArchive();
        _directory = ArchiveFixture.TempDirectory("sweep");
        _path = Path.Combine(_directory, "archive.db");
        var clock = Stopwatch.StartNew();
        ArchiveFixture.Checkpoint(ArchiveFixture.LargeDbPath);
        File.Copy(ArchiveFixture.LargeDbPath, _path);
        _store = ArchiveFixture.OpenStore(_path, out _);

        var newestExpired = _now - _options.ExpiresAfter - TimeSpan.FromDays(1);
        var step = TimeSpan.FromDays(2).TotalMilliseconds / ExpiredRows;
        const int batch = 10_000;
        for (long first = 0; first < ExpiredRows; first += batch)
        {
            var entries = new List<ArchiveEntry>(batch);
            for (var n = first; n < first + batch; n++)
                entries.Add(ArchiveFixture.Entry(ArchiveFixture.LargeRows + n, ArchiveFixture.LargeOwners,
                    newestExpired.AddMilliseconds(-(ExpiredRows - n) * step)));
            _store.AppendManyAsync(entries, CancellationToken.None).GetAwaiter().GetResult();
        }

        // The archive must hold exactly the expired and live rows intended, or the figures mean nothing.
        var cutoff = (_now - _options.ExpiresAfter).ToUnixTimeMilliseconds();
        var expired = ArchiveFixture.Scalar(_path, $"SELECT COUNT(*) FROM archive_messages WHERE ts_ms < {cutoff};");
        var total = ArchiveFixture.Scalar(_path, "SELECT COUNT(*) FROM archive_messages;");
        if (expired != ExpiredRows || total != ArchiveFixture.LargeRows + ExpiredRows)
            throw new InvalidOperationException($"The archive has {expired} expired rows of {total}, expected {ExpiredRows} of {ArchiveFixture.LargeRows + ExpiredRows}.");
        var parsed = ArchiveQueryParser.Parse(XElement.Parse(
            "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set></query>"), _options);
        _lastPage = parsed.Value ?? throw new InvalidOperationException($"The page query was refused: {parsed.Error}");
        Console.WriteLine($"// Setup: copied the 1,000,000-row archive and added {ExpiredRows:N0} expired rows in {clock.Elapsed.TotalSeconds:F0} s.");

        var baseline = QueryLoop(() => false, BaselineQueries, new Random(1)).GetAwaiter().GetResult();
        Console.WriteLine($"// Sweep: baseline (no sweep): {Describe(baseline)}");
        var ingest = IngestLoop(() => false, BaselineBatches).GetAwaiter().GetResult();
        Console.WriteLine($"// Sweep: ingest baseline (no sweep): {DescribeIngest(ingest)}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ArchiveFixture.DeleteDatabase(_path);
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public async Task<int> SweepExpired()
    {
        var done = 0;
        var queries = Task.Run(() => QueryLoop(() => Volatile.Read(ref done) == 1, int.MaxValue, new Random(2)));
        var ingest = Task.Run(() => IngestLoop(() => Volatile.Read(ref done) == 1, int.MaxValue));
        var clock = Stopwatch.StartNew();
        int deleted;
        try
        {
            deleted = await new ArchiveSweep(_store).RunAsync(_now, BatchSize, CancellationToken.None);
        }
        finally
        {
            Volatile.Write(ref done, 1);
        }
        var elapsed = clock.Elapsed;
        var latencies = await queries;
        var ingested = await ingest;

        var left = ArchiveFixture.Scalar(_path, $"SELECT COUNT(*) FROM archive_messages WHERE ts_ms < {(_now - _options.ExpiresAfter).ToUnixTimeMilliseconds()};");
        var live = ArchiveFixture.Scalar(_path, "SELECT COUNT(*) FROM archive_messages;");
        var expectedLive = ArchiveFixture.LargeRows + Interlocked.Read(ref _ingested);
        if (deleted != ExpiredRows || left != 0 || live != expectedLive)
            throw new InvalidOperationException($"The sweep deleted {deleted} rows, leaving {left} expired and {live} in all; " +
                                                $"expected {ExpiredRows}, 0 and {expectedLive} (did the benchmark run twice?).");
        Console.WriteLine($"// Sweep: deleted {deleted:N0} expired rows in batches of {BatchSize} in {elapsed.TotalSeconds:F2} s " +
                          $"= {deleted / elapsed.TotalSeconds:N0} rows/s ({elapsed.TotalMilliseconds / (deleted / (double)BatchSize):F1} ms per batch on average).");
        Console.WriteLine($"// Sweep: pages during the sweep: {Describe(latencies)}");
        Console.WriteLine($"// Sweep: ingest during the sweep: {DescribeIngest(ingested)}");
        return deleted;
    }

    /// <summary>
    /// A batch of <see cref="IngestBatch"/> new live messages (timestamps after the archive's "now", so they stay
    /// live) every <see cref="IngestEvery"/> until <paramref name="stop"/> or <paramref name="count"/> batches;
    /// the commit latency of each batch in ms, sorted, and the rate reached.
    /// </summary>
    private async Task<(List<double> Latencies, double PerSecond)> IngestLoop(Func<bool> stop, int count)
    {
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        long stored = 0;
        while (latencies.Count < count && !stop())
        {
            var due = IngestEvery * latencies.Count - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            var first = ArchiveFixture.LargeRows + ExpiredRows + Interlocked.Read(ref _ingested);
            var entries = Enumerable.Range(0, IngestBatch)
                .Select(i => ArchiveFixture.Entry(first + i, ArchiveFixture.LargeOwners, _now.AddMilliseconds(first + i - ArchiveFixture.LargeRows)))
                .ToList();
            var started = Stopwatch.GetTimestamp();
            await _store.AppendManyAsync(entries, CancellationToken.None);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Add(ref _ingested, IngestBatch);
            stored += IngestBatch;
        }
        latencies.Sort();
        return (latencies, stored / clock.Elapsed.TotalSeconds);
    }

    private static string DescribeIngest((List<double> Latencies, double PerSecond) ingest) =>
        $"{ingest.Latencies.Count:N0} batches of {IngestBatch} ({ingest.PerSecond:N0} messages/s), commit p50 {ArchiveFixture.Percentile(ingest.Latencies, 50):F2} ms, " +
        $"p95 {ArchiveFixture.Percentile(ingest.Latencies, 95):F2} ms, p99 {ArchiveFixture.Percentile(ingest.Latencies, 99):F2} ms, " +
        $"max {(ingest.Latencies.Count == 0 ? double.NaN : ingest.Latencies[^1]):F2} ms";

    /// <summary>Newest 50-message pages of random owners until <paramref name="stop"/> or <paramref name="count"/>; latencies in ms, sorted.</summary>
    private async Task<List<double>> QueryLoop(Func<bool> stop, int count, Random random)
    {
        var latencies = new List<double>();
        while (latencies.Count < count && !stop())
        {
            var owner = ArchiveFixture.Owner(random.Next(ArchiveFixture.LargeOwners));
            var started = Stopwatch.GetTimestamp();
            var page = await _store.QueryAsync(owner, _lastPage, _now, CancellationToken.None);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (page.Value is not { Messages.Count: 50 } || page.Value.Messages[0].Timestamp < _now - _options.ExpiresAfter)
                throw new InvalidOperationException($"A page query returned {page.Value?.Messages.Count} messages: {page.Error}");
        }
        latencies.Sort();
        return latencies;
    }

    private static string Describe(List<double> sorted) =>
        $"{sorted.Count:N0} queries, p50 {ArchiveFixture.Percentile(sorted, 50):F2} ms, p95 {ArchiveFixture.Percentile(sorted, 95):F2} ms, " +
        $"p99 {ArchiveFixture.Percentile(sorted, 99):F2} ms, max {(sorted.Count == 0 ? double.NaN : sorted[^1]):F2} ms";

    /// <summary>Exactly one invocation: no jitting stage, no pilot, no warmup, one measured iteration.</summary>
    private sealed class SweepJob : ManualConfig
    {
        public SweepJob() => AddJob(Job.Default
            .WithStrategy(RunStrategy.ColdStart)
            .WithLaunchCount(1)
            .WithWarmupCount(0)
            .WithIterationCount(1)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Once"));
    }
}
