using System.Globalization;
using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Transparency;

/// <summary>One store in the audit: what it promises, what it holds now, and whether the promise holds.</summary>
public sealed record AuditLine(StorePolicy Store, StoreAudit Measured, string Promise, bool Pass);

/// <summary>
/// Checks every declared store against its promise: nothing older than its <see cref="StorePolicy.MaxAge"/>
/// plus one sweep interval (the time the policy gives for deleting what expired), and no more than
/// <see cref="StorePolicy.MaxCount"/> items where a store promises a count.
/// </summary>
public sealed class RetentionAudit(IEnumerable<IDataPolicy> policies, SweepsOptions sweeps, TimeProvider time)
{
    public async Task<IReadOnlyList<AuditLine>> RunAsync(Action<string>? progress, CancellationToken cancellationToken)
    {
        var lines = new List<AuditLine>();
        foreach (var policy in policies)
        {
            var stores = policy.Stores().ToDictionary(s => s.Key, StringComparer.Ordinal);
            if (stores.Count == 0) continue;
            progress?.Invoke($"checking {string.Join(", ", stores.Keys)}");
            foreach (var measured in await policy.AuditAsync(time.GetUtcNow(), cancellationToken))
            {
                if (!stores.TryGetValue(measured.Key, out var store)) continue;
                lines.Add(Judge(store, measured));
            }
        }
        return lines;
    }

    private AuditLine Judge(StorePolicy store, StoreAudit measured)
    {
        var line = JudgeRetention(store, measured);
        return measured.Orphans == 0 ? line
            : line with { Promise = $"{line.Promise}; {measured.Orphans} orphan file(s) on disk", Pass = false };
    }

    private AuditLine JudgeRetention(StorePolicy store, StoreAudit measured)
    {
        if (store.MaxAge is { } maxAge)
        {
            var allowed = maxAge + sweeps.Interval;
            return new AuditLine(store, measured, $"at most {Durations.Of(maxAge).En} (+ {Durations.Of(sweeps.Interval).En} to delete)",
                measured.OldestAge is not { } age || age <= allowed);
        }
        if (store.MaxCount is { } maxCount)
            return new AuditLine(store, measured, $"at most {maxCount.ToString(CultureInfo.InvariantCulture)} each", (measured.LargestGroup ?? measured.Count) <= maxCount);
        return new AuditLine(store, measured, "until the account is deleted", true);
    }

    /// <summary>An age as the audit shows it: "3 d 04:05:06", "-" when there is none.</summary>
    public static string Age(TimeSpan? age) => age is not { } a ? "-"
        : a.TotalDays >= 1 ? $"{(int)a.TotalDays} d {a:hh\\:mm\\:ss}" : a.ToString("hh\\:mm\\:ss", CultureInfo.InvariantCulture);
}
