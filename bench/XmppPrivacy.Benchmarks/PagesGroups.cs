using System.Diagnostics;
using System.Xml.Linq;
using XmppPrivacy.Services.Archive;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// <c>--pages-groups [ROWS] [QUERIES]</c>: what a page costs when the archive spans a week of hourly files (ADR 10:
/// a page's RSM count reads every live hour). A new database in a temp directory (production
/// <c>SqliteDatabase</c>, 7 days of retention) is filled through <see cref="ArchiveStore.AppendManyAsync"/>
/// with ROWS (default 1,000,000) live messages of 1000 owners, evenly over the 7 days before now (169 files);
/// then QUERIES (default 1000) times the newest 50-message page (<c>&lt;max&gt;50&lt;/max&gt;&lt;before/&gt;</c>,
/// with its count) of a random owner, one after the other, and prints p50/p95/p99/max with the load average.
/// Checks that each page holds 50 of that owner's messages and that the count is the owner's whole archive.
/// </summary>
internal static class PagesGroups
{
    public static void Run(int rows, int queries) => RunAsync(rows, queries).GetAwaiter().GetResult();

    private static async Task RunAsync(int rows, int queries)
    {
        var directory = ArchiveFixture.TempDirectory("pages-groups");
        try
        {
            Console.WriteLine($"// Pages-groups: {Environment.ProcessorCount} cores, load average {Load()} at the start.");
            var store = ArchiveFixture.OpenStore(Path.Combine(directory, "archive.db"), out var database);
            var now = DateTimeOffset.UtcNow;
            var oldest = now - store.Options.ExpiresAfter + TimeSpan.FromMinutes(1);
            var step = (now - oldest).TotalMilliseconds / rows;
            var clock = Stopwatch.StartNew();
            await ArchiveFixture.FillAsync(store, rows, oldest, step);
            var files = (await database.FilesAsync("archive", CancellationToken.None)).Count;
            Console.WriteLine($"// Pages-groups: filled {rows:N0} live messages into {files} hourly files in {clock.Elapsed.TotalSeconds:F0} s.");

            var options = store.Options;
            var parsed = ArchiveQueryParser.Parse(XElement.Parse(
                "<query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set></query>"), options);
            var query = parsed.Value ?? throw new InvalidOperationException($"The page query was refused: {parsed.Error}");
            var perOwner = rows / ArchiveFixture.LargeOwners;
            var random = new Random(1);
            var latencies = new List<double>(queries);
            Console.WriteLine($"// Pages-groups: queries start, load average {Load()}.");
            for (var i = 0; i < queries; i++)
            {
                var owner = ArchiveFixture.Owner(random.Next(ArchiveFixture.LargeOwners));
                var started = Stopwatch.GetTimestamp();
                var page = await store.QueryAsync(owner, query, now, CancellationToken.None);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (page.Value is not { Messages.Count: 50 } value || value.Count != perOwner)
                    throw new InvalidOperationException($"A page returned {page.Value?.Messages.Count} messages of {page.Value?.Count}: {page.Error}");
            }
            latencies.Sort();
            Console.WriteLine($"// Pages-groups: {queries:N0} newest pages of 50 with their count ({perOwner:N0} messages per owner over {files} files): " +
                              $"p50 {ArchiveFixture.Percentile(latencies, 50):F2} ms, p95 {ArchiveFixture.Percentile(latencies, 95):F2} ms, " +
                              $"p99 {ArchiveFixture.Percentile(latencies, 99):F2} ms, max {latencies[^1]:F2} ms; load average {Load()}.");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Load() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
