using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// Latency of one 50-message MAM page for one owner in an archive of <see cref="Rows"/> rows (1,000,000 and
/// 10,000,000) across 1000 owners (the cached <see cref="ArchiveFixture.DbPath"/> of that size):
/// <see cref="ArchiveQueryParser.Parse"/> of the query element, then <see cref="ArchiveStore.QueryAsync"/>
/// (which also counts every match for RSM).
/// One query per measured iteration (<see cref="PageJob"/>), so the percentile columns are percentiles of
/// single queries, not of averages.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PageJob))]
public class ArchivePageBenchmark
{
    private const int Owner = 500;
    private const int WithContact = 3;

    private static readonly XNamespace Mam = ArchiveNs.Mam;

    private readonly ArchiveOptions _options = new();
    private ArchiveStore _store = null!;
    private Jid _owner;
    private DateTimeOffset _now;
    private XElement _lastPage = null!, _withPage = null!, _afterMiddle = null!;

    /// <summary>Rows in the archive: 1000 owners with 1000 or 10,000 messages each.</summary>
    [Params(ArchiveFixture.LargeRows, ArchiveFixture.HugeRows)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _now = ArchiveFixture.EnsureArchive(Rows);
        var path = ArchiveFixture.DbPath(Rows);
        var perOwner = Rows / ArchiveFixture.LargeOwners;
        _store = ArchiveFixture.OpenStore(path, out _);
        _owner = ArchiveFixture.Owner(Owner);
        var key = ArchiveStore.Key(_owner);
        var middle = ArchiveFixture.Text(path,
            $"SELECT archive_id FROM archive_messages WHERE owner = '{key}' ORDER BY ts_ms, seq LIMIT 1 OFFSET {perOwner / 2};");

        _lastPage = Query(null, null);
        _withPage = Query(ArchiveFixture.Contact(WithContact), null);
        _afterMiddle = Query(null, middle);

        // Every query must return a full page of this owner's live messages, or the figures mean nothing.
        var owned = Check(nameof(LastPage), LastPage(), perOwner);
        if (!owned.Complete && owned.Messages[^1].Id != ArchiveFixture.Text(path,
                $"SELECT archive_id FROM archive_messages WHERE owner = '{key}' ORDER BY ts_ms DESC, seq DESC LIMIT 1;"))
            throw new InvalidOperationException("The last page does not end with the owner's newest message.");
        var with = Check(nameof(WithPage), WithPage(), perOwner / ArchiveFixture.ContactsPerOwner);
        if (with.Messages.Any(m => m.With != ArchiveStore.Key(ArchiveFixture.Contact(WithContact))))
            throw new InvalidOperationException("The with page holds a message with another party.");
        var after = Check(nameof(AfterMiddlePage), AfterMiddlePage(), perOwner);
        var middleTs = ArchiveFixture.Scalar(path,
            $"SELECT ts_ms FROM archive_messages WHERE owner = '{key}' AND archive_id = '{middle}';");
        if (after.Messages[0].Timestamp.ToUnixTimeMilliseconds() <= middleTs)
            throw new InvalidOperationException("The page after the middle id does not start after it.");
        Console.WriteLine($"// Setup: {Rows:N0} rows, {ArchiveFixture.LargeOwners} owners; owner {key} has " +
                          $"{owned.Count} messages, {with.Count} with {ArchiveFixture.Contact(WithContact)}; pages of {owned.Messages.Count}.");
    }

    /// <summary>The newest 50 messages (RSM <c>&lt;before/&gt;</c>), as a client opening a conversation list asks.</summary>
    [Benchmark]
    public ArchivePage LastPage() => Run(_lastPage);

    /// <summary>The newest 50 messages with one contact (a <c>with</c> form field), as a client opening a chat asks.</summary>
    [Benchmark]
    public ArchivePage WithPage() => Run(_withPage);

    /// <summary>The 50 messages after an id in the middle of the owner's archive (RSM <c>&lt;after/&gt;</c>), catching up.</summary>
    [Benchmark]
    public ArchivePage AfterMiddlePage() => Run(_afterMiddle);

    private ArchivePage Run(XElement element)
    {
        var query = ArchiveQueryParser.Parse(element, _options);
        if (query.Failed) throw new InvalidOperationException($"The query was refused: {query.Error}");
        var page = _store.QueryAsync(_owner, query.Value!, _now, CancellationToken.None).GetAwaiter().GetResult();
        return page.Value ?? throw new InvalidOperationException($"The query failed: {page.Error}");
    }

    private ArchivePage Check(string name, ArchivePage page, int count)
    {
        if (page.Messages.Count != 50 || page.Count != count || page.Complete)
            throw new InvalidOperationException(
                $"{name}: {page.Messages.Count} messages of {page.Count} (complete: {page.Complete}), expected 50 of {count}.");
        if (page.Messages.Any(m => !m.Xml.Contains(ArchiveStore.Key(_owner), StringComparison.Ordinal)))
            throw new InvalidOperationException($"{name}: the page holds another owner's message.");
        return page;
    }

    private static XElement Query(Jid? with, string? after)
    {
        var query = new XElement(Mam + "query");
        if (with is { } jid)
            query.Add(new XElement(ArchiveNs.DataForms + "x", new XAttribute("type", "submit"),
                new XElement(ArchiveNs.DataForms + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"),
                    new XElement(ArchiveNs.DataForms + "value", Mam.NamespaceName)),
                new XElement(ArchiveNs.DataForms + "field", new XAttribute("var", "with"),
                    new XElement(ArchiveNs.DataForms + "value", jid.ToString()))));
        query.Add(new XElement(ArchiveNs.Rsm + "set",
            new XElement(ArchiveNs.Rsm + "max", "50"),
            after is null ? new XElement(ArchiveNs.Rsm + "before") : new XElement(ArchiveNs.Rsm + "after", after)));
        // Round-trip through text so the element is exactly what the stream reader would hand over.
        return XElement.Parse(query.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>
    /// One query per iteration (InvocationCount = 1), 30 warmup and 1000 measured iterations, no outlier
    /// removal, so Median/P95/P99 are the distribution of single page queries. Times in µs.
    /// </summary>
    private sealed class PageJob : ManualConfig
    {
        public PageJob()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(30)
                .WithIterationCount(1000)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithOutlierMode(Perfolizer.Mathematics.OutlierDetection.OutlierMode.DontRemove)
                .WithId("Page"));
            AddColumn(StatisticColumn.Median, StatisticColumn.P95, P99Column.Instance, StatisticColumn.Max);
            SummaryStyle = BenchmarkDotNet.Reports.SummaryStyle.Default.WithTimeUnit(TimeUnit.Microsecond);
        }
    }
}
