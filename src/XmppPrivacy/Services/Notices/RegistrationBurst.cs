namespace XmppPrivacy.Services.Notices;

/// <summary>One aggregated alert: how many registrations a burst held, their names and the suspicious ones.</summary>
public sealed record BurstAlert(string Host, int Count, DateTimeOffset Since, IReadOnlyList<string> Names, IReadOnlyList<(string Name, string Why)> Flagged)
{
    private const int NamesShown = 30;

    public string Text(int threshold, TimeSpan window)
    {
        var names = string.Join(", ", Names.Take(NamesShown).Select(RegistrationText.SafeName));
        var more = Names.Count > NamesShown ? $" and {Names.Count - NamesShown} more" : "";
        var flagged = Flagged.Count == 0 ? ""
            : " Machine-made looking: " + string.Join("; ", Flagged.GroupBy(f => f.Why)
                .Select(g => $"{string.Join(", ", g.Take(10).Select(f => RegistrationText.SafeName(f.Name)))}{(g.Count() > 10 ? $" and {g.Count() - 10} more" : "")} ({g.Key})")) + ".";
        return $"Registration burst on {RegistrationText.SafeName(Host)}: {Count} more registrations since {Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC " +
               $"(more than {threshold} within {Hosting.Options.OptionSpec.Show(window)}); individual notices paused. Names: {names}{more}.{flagged}";
    }
}

/// <summary>
/// Decides per registration whether admins get an individual notice: up to <c>threshold</c> within
/// <c>window</c> do; beyond that a burst opens, collects the names, and becomes one alert when the window
/// has passed. A flood of 1,000 registrations is a handful of messages, not 1,000. Not thread-safe: the
/// caller serialises.
/// </summary>
public sealed class RegistrationBurst(int threshold, TimeSpan window)
{
    private readonly Queue<(DateTimeOffset At, string Name)> _recent = new();
    private OpenBurst? _open;

    public int Threshold => threshold;
    public TimeSpan Window => window;

    /// <summary>True when this registration gets its own notice; false when it joined a burst.</summary>
    public bool Register(string name, string host, DateTimeOffset now)
    {
        while (_recent.Count > 0 && _recent.Peek().At <= now - window) _recent.Dequeue();
        _recent.Enqueue((now, name));
        if (_open is not null)
        {
            _open.Names.Add(name);
            return false;
        }
        if (_recent.Count <= threshold) return true;
        _open = new OpenBurst(host, now, now + window);
        _open.Names.Add(name);
        return false;
    }

    /// <summary>The alert of a burst whose window has passed, if any; the burst is then closed.</summary>
    public BurstAlert? TakeDue(DateTimeOffset now)
    {
        if (_open is null || now < _open.DueAt) return null;
        var burst = _open;
        _open = null;
        var context = _recent.Select(r => r.Name).Concat(burst.Names).Distinct(StringComparer.Ordinal).ToList();
        var flagged = burst.Names.Distinct(StringComparer.Ordinal)
            .Select(n => (Name: n, Why: NameHeuristics.Flag(n, context)))
            .Where(f => f.Why is not null).Select(f => (f.Name, f.Why!)).ToList();
        return new BurstAlert(burst.Host, burst.Names.Count, burst.Since, burst.Names, flagged);
    }

    private sealed record OpenBurst(string Host, DateTimeOffset Since, DateTimeOffset DueAt)
    {
        public List<string> Names { get; } = [];
    }
}
