using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace XmppPrivacy.Hosting;

/// <summary>Counters for <c>/metrics</c> (Prometheus text format). Labels never carry personal data.</summary>
public sealed class Metrics
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public void Increment(string name, string? label = null, string? value = null, long by = 1) =>
        _counters.AddOrUpdate(Key(name, label, value), by, (_, n) => n + by);

    public long Counter(string name, string? label = null, string? value = null) =>
        _counters.TryGetValue(Key(name, label, value), out var n) ? n : 0;

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _counters.OrderBy(c => c.Key, StringComparer.Ordinal))
            text.Append(key).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    private static string Key(string name, string? label, string? value) =>
        label is null ? name : $"{name}{{{label}=\"{value}\"}}";
}
