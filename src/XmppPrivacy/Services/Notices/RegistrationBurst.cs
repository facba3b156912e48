namespace XmppPrivacy.Services.Notices;

/// <summary>Which message of a burst: the alert when it starts, a progress report while it lasts long, the summary when it ends.</summary>
public enum BurstStage
{
    Started,
    Continuing,
    Ended,
}

/// <summary>
/// One burst message: how many registrations joined the burst since <see cref="Since"/> (<see cref="Total"/>
/// since it began), their names (at most <see cref="RegistrationBurst.NamesKept"/>) and the suspicious ones.
/// </summary>
public sealed record BurstAlert(BurstStage Stage, string Host, int Count, int Total, DateTimeOffset Since,
    IReadOnlyList<string> Names, IReadOnlyList<(string Name, string Why)> Flagged)
{
    private const int NamesShown = 30;

    public string Text(int threshold, TimeSpan window)
    {
        var host = RegistrationText.SafeName(Host);
        var span = Hosting.Options.OptionSpec.Show(window);
        var since = $"{Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC";
        var shown = Names.Take(NamesShown).ToList();
        var names = string.Join(", ", shown.Select(RegistrationText.SafeName));
        if (Stage == BurstStage.Started)
            return $"Registration burst on {host}: more than {threshold} registrations within {span}, the first at {since}; " +
                   $"individual notices paused until it ends, then a summary follows. Latest: {names}.";
        var more = Count > shown.Count ? $" and {Count - shown.Count} more" : "";
        var flagged = Flagged.Count == 0 ? ""
            : " Machine-made looking: " + string.Join("; ", Flagged.GroupBy(f => f.Why)
                .Select(g => $"{string.Join(", ", g.Take(10).Select(f => RegistrationText.SafeName(f.Name)))}{(g.Count() > 10 ? $" and {g.Count() - 10} more" : "")} ({g.Key})")) + ".";
        return Stage == BurstStage.Continuing
            ? $"Registration burst on {host} continues: {Count} more registrations since {since} ({Total} since it began); " +
              $"individual notices still paused. Names: {names}{more}.{flagged}"
            : $"Registration burst on {host} ended: {Count} more registrations since {since} " +
              $"(more than {threshold} within {span}{(Total > Count ? $"; {Total} in all" : "")}); individual notices resume. Names: {names}{more}.{flagged}";
    }
}

/// <summary>What one registration brings admins: its own notice, the alert of a burst it started, or nothing (it joined a burst).</summary>
public readonly record struct BurstDecision(bool Individual, BurstAlert? Alert);

/// <summary>
/// Decides per registration whether admins get an individual notice: up to <c>threshold</c> within
/// <c>window</c> do. The next one starts a burst and brings the alert at once; the burst collects the names and
/// ends, with a summary, once a window holds no more than <c>threshold</c> registrations again; counting then
/// starts afresh, so a rate near the threshold does not alternate between alerts and summaries. A burst that
/// lasts brings a progress report after 10 windows, then after 20, 40, … more (at most a day apart).
/// 1,000 registrations in a minute are 7 messages: 5 notices, the alert and the summary. Not thread-safe:
/// the caller serialises.
/// </summary>
public sealed class RegistrationBurst(int threshold, TimeSpan window)
{
    /// <summary>Names kept per report (the count stays exact); the heuristics compare each with the others.</summary>
    public const int NamesKept = 500;
    private const int FirstReportWindows = 10;
    private static readonly TimeSpan MaxReportSpacing = TimeSpan.FromDays(1);

    // The last threshold + 1 registrations: the threshold is crossed when the oldest of them is within the window.
    private readonly Queue<(DateTimeOffset At, string Name)> _recent = new();
    private OpenBurst? _open;

    public int Threshold => threshold;
    public TimeSpan Window => window;

    public BurstDecision Register(string name, string host, DateTimeOffset now)
    {
        _recent.Enqueue((now, name));
        while (_recent.Count > threshold + 1) _recent.Dequeue();
        if (_open is not null)
        {
            _open.Add(name);
            return new BurstDecision(false, null);
        }
        if (!Crowded(now)) return new BurstDecision(true, null);
        var first = window * FirstReportWindows;
        _open = new OpenBurst(host, now) { Spacing = first, NextReport = now + first };
        _open.Add(name);
        return new BurstDecision(false, new BurstAlert(BurstStage.Started, host, 1, 1, _recent.Peek().At, [name], []));
    }

    /// <summary>The summary of a burst that ended, or a progress report that is due; null when there is nothing to say.</summary>
    public BurstAlert? TakeDue(DateTimeOffset now)
    {
        if (_open is null) return null;
        if (!Crowded(now))
        {
            var summary = Report(BurstStage.Ended, now);
            _open = null;
            _recent.Clear();
            return summary;
        }
        if (now < _open.NextReport) return null;
        var progress = Report(BurstStage.Continuing, now);
        var longest = MaxReportSpacing > window * FirstReportWindows ? MaxReportSpacing : window * FirstReportWindows;
        _open.Spacing = _open.Spacing * 2 > longest ? longest : _open.Spacing * 2;
        _open.NextReport = now + _open.Spacing;
        return progress;
    }

    private bool Crowded(DateTimeOffset now) => _recent.Count > threshold && _recent.Peek().At > now - window;

    private BurstAlert Report(BurstStage stage, DateTimeOffset now)
    {
        var burst = _open!;
        var names = burst.Names.Distinct(StringComparer.Ordinal).ToList();
        var context = _recent.Select(r => r.Name).Concat(names).Distinct(StringComparer.Ordinal).ToList();
        var flagged = names.Select(n => (Name: n, Why: NameHeuristics.Flag(n, context)))
            .Where(f => f.Why is not null).Select(f => (f.Name, f.Why!)).ToList();
        var report = new BurstAlert(stage, burst.Host, burst.Count, burst.Total, burst.Since, burst.Names, flagged);
        burst.Names = [];
        burst.Count = 0;
        burst.Since = now;
        return report;
    }

    private sealed class OpenBurst(string host, DateTimeOffset since)
    {
        public string Host { get; } = host;
        public DateTimeOffset Since { get; set; } = since;
        public List<string> Names { get; set; } = [];
        public int Count { get; set; }
        public int Total { get; private set; }
        public TimeSpan Spacing { get; set; }
        public DateTimeOffset NextReport { get; set; }

        public void Add(string name)
        {
            Count++;
            Total++;
            if (Names.Count < NamesKept) Names.Add(name);
        }
    }
}
