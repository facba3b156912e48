using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace XmppPrivacy.Hosting;

/// <summary>A counter (its name ends in <c>_total</c>) or a gauge read at each scrape, with its <c># HELP</c> text.</summary>
public sealed record MetricDeclaration(string Name, string Help, Func<IServiceProvider, double>? Gauge = null);

/// <summary>
/// The component's instruments (<see cref="System.Diagnostics.Metrics"/>, meter <c>XmppPrivacy</c>), declared by
/// the host and the features and exposed at <c>/metrics</c> by prometheus-net (docs/adr/0005). Labels never carry
/// personal data: only names of stores, sweeps and event kinds. The counts are also kept here, so a unit test can
/// read them without a listener.
/// </summary>
public sealed class Metrics
{
    public const string MeterName = "XmppPrivacy";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string? Label, string? Value), long>> _counts = new(StringComparer.Ordinal);
    private readonly bool _declaredOnly;

    /// <summary>Counts only, without instruments (unit tests).</summary>
    public Metrics()
    {
    }

    public Metrics(IMeterFactory meters, IEnumerable<MetricDeclaration> declarations, IServiceProvider services)
    {
        _declaredOnly = true;
        Meter = meters.Create(MeterName);
        foreach (var declaration in declarations)
        {
            if (declaration.Gauge is { } read)
            {
                Meter.CreateObservableGauge(declaration.Name, () => read(services), description: declaration.Help);
                continue;
            }
            if (!declaration.Name.EndsWith("_total", StringComparison.Ordinal))
                throw new InvalidOperationException($"The counter {declaration.Name} must end in _total.");
            var counts = new ConcurrentDictionary<(string? Label, string? Value), long>();
            if (!_counts.TryAdd(declaration.Name, counts)) throw new InvalidOperationException($"Two metrics are named {declaration.Name}.");
            // Read at each scrape, so a counter is there from the start and never expires; Prometheus adds _total itself.
            Meter.CreateObservableCounter(declaration.Name[..^"_total".Length], () => Measure(counts), description: declaration.Help);
        }
    }

    /// <summary>The meter every instrument is on (null without instruments).</summary>
    public Meter? Meter { get; }

    public void Increment(string name, string? label = null, string? value = null, long by = 1)
    {
        var counts = _declaredOnly
            ? _counts.GetValueOrDefault(name) ?? throw new InvalidOperationException($"The metric {name} is not declared.")
            : _counts.GetOrAdd(name, _ => new());
        counts.AddOrUpdate((label, value), by, (_, n) => n + by);
    }

    /// <summary>What has been counted so far in this process.</summary>
    public long Counter(string name, string? label = null, string? value = null) =>
        _counts.TryGetValue(name, out var counts) && counts.TryGetValue((label, value), out var n) ? n : 0;

    private static IEnumerable<Measurement<long>> Measure(ConcurrentDictionary<(string? Label, string? Value), long> counts)
    {
        if (counts.IsEmpty) return [new Measurement<long>(0)];
        return counts.Select(c => c.Key.Label is null
            ? new Measurement<long>(c.Value)
            : new Measurement<long>(c.Value, new KeyValuePair<string, object?>(c.Key.Label, c.Key.Value)));
    }
}
