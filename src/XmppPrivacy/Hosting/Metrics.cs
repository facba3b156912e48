using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace XmppPrivacy.Hosting;

/// <summary>
/// A counter (its name ends in <c>_total</c>, with at most one label whose values are never personal) or a gauge
/// read at each scrape, with its <c># HELP</c> text.
/// </summary>
public sealed record MetricDeclaration(string Name, string Help, Func<IServiceProvider, double>? Gauge = null, string? Label = null);

/// <summary>
/// The component's counters and gauges, declared by the host and the features. Each is a
/// <see cref="System.Diagnostics.Metrics"/> instrument on the meter <c>XmppPrivacy</c> (for <c>dotnet-counters</c>
/// and any OpenTelemetry listener) and a prometheus-net collector in the host's registry, which <c>/metrics</c>
/// exposes with the .NET runtime's and the process's metrics (docs/adr/0005). Labels never carry personal
/// data: only names of stores, sweeps and event kinds.
/// </summary>
public sealed class Metrics
{
    public const string MeterName = "XmppPrivacy";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Counter<long> Instrument, Prometheus.Counter Exported, string? Label)> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts only, without instruments (unit tests).</summary>
    public Metrics()
    {
    }

    public Metrics(IMeterFactory meters, Prometheus.CollectorRegistry registry, IEnumerable<MetricDeclaration> declarations, IServiceProvider services)
    {
        Meter = meters.Create(MeterName);
        var exported = Prometheus.Metrics.WithCustomRegistry(registry);
        foreach (var declaration in declarations)
        {
            if (declaration.Gauge is { } read)
            {
                Meter.CreateObservableGauge(declaration.Name, () => read(services), description: declaration.Help);
                var gauge = exported.CreateGauge(declaration.Name, declaration.Help);
                registry.AddBeforeCollectCallback(() => gauge.Set(read(services)));
                continue;
            }
            if (!declaration.Name.EndsWith("_total", StringComparison.Ordinal))
                throw new InvalidOperationException($"The counter {declaration.Name} must end in _total.");
            var labels = declaration.Label is null ? [] : new[] { declaration.Label };
            if (!_counters.TryAdd(declaration.Name, (Meter.CreateCounter<long>(declaration.Name, description: declaration.Help),
                    exported.CreateCounter(declaration.Name, declaration.Help, labels), declaration.Label)))
                throw new InvalidOperationException($"Two metrics are named {declaration.Name}.");
        }
    }

    /// <summary>The meter every instrument is on (null without instruments).</summary>
    public Meter? Meter { get; }

    public void Increment(string name, string? label = null, string? value = null, long by = 1)
    {
        _counts.GetOrAdd(name, _ => new(StringComparer.Ordinal)).AddOrUpdate(label is null ? "" : label + "=" + value, by, (_, n) => n + by);
        if (Meter is null) return;
        if (!_counters.TryGetValue(name, out var counter)) throw new InvalidOperationException($"The metric {name} is not declared.");
        if (counter.Label != label) throw new InvalidOperationException($"The metric {name} is labelled {counter.Label ?? "(none)"}.");
        if (label is null)
        {
            counter.Instrument.Add(by);
            counter.Exported.Inc(by);
        }
        else
        {
            counter.Instrument.Add(by, new KeyValuePair<string, object?>(label, value));
            counter.Exported.WithLabels(value ?? "").Inc(by);
        }
    }

    /// <summary>What has been counted so far in this process.</summary>
    public long Counter(string name, string? label = null, string? value = null) =>
        _counts.TryGetValue(name, out var counts) && counts.TryGetValue(label is null ? "" : label + "=" + value, out var n) ? n : 0;
}
