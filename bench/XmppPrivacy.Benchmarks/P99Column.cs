using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// The 99th percentile of the measured iterations (BenchmarkDotNet 0.15.8 has ready-made columns up to P95
/// and P100 only). Meaningful when every iteration is one operation, as in <see cref="ArchivePageBenchmark"/>.
/// </summary>
internal sealed class P99Column : IColumn
{
    public static readonly IColumn Instance = new P99Column();

    public string Id => "P99";
    public string ColumnName => "P99";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Statistics;
    public int PriorityInCategory => 100;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Time;
    public string Legend => "Percentile 99";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } statistics) return "NA";
        var nanoseconds = statistics.Percentiles.Percentile(99);
        var unit = style.TimeUnit ?? TimeUnit.Microsecond;
        var value = (nanoseconds / (double)unit.BaseUnits).ToString("N1", CultureInfo.InvariantCulture);
        return style.PrintUnitsInContent ? $"{value} {unit.Abbreviation}" : value;
    }

    public override string ToString() => ColumnName;
}
