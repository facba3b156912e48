namespace XmppPrivacy.Services.Transparency;

/// <summary>The languages the privacy policy is written in.</summary>
public enum Lang { En, De }

/// <summary>One sentence or phrase in every language of the policy.</summary>
public sealed record Text(string En, string De)
{
    public string In(Lang lang) => lang == Lang.De ? De : En;

    public static Text operator +(Text a, Text b) => new(a.En + b.En, a.De + b.De);
}

/// <summary>
/// What one store keeps, as a feature declares it from its effective options: the privacy policy, the XEP-0504
/// form of <see cref="Domain"/> and the retention audit are all made from these, so no number in them is
/// written by hand. <see cref="MaxAge"/> and <see cref="MaxCount"/> are the promise the audit checks.
/// </summary>
/// <param name="Key">A short stable name (<c>archive</c>), also the store's name in the audit.</param>
/// <param name="Domain">The service domain that holds the data (its disco#info carries the XEP-0504 form).</param>
/// <param name="Content">Whether it holds what users say or share (messages, files), which XEP-0504's
/// <c>data_retention</c> is about; account metadata is not content.</param>
public sealed record StorePolicy(
    string Key,
    string Domain,
    Text Title,
    Text WhatIsStored,
    Text HowLong,
    Text WhoCanSee,
    Text HowToDelete)
{
    public bool Content { get; init; }
    public TimeSpan? MaxAge { get; init; }
    public int? MaxCount { get; init; }
    public bool UserCanDelete { get; init; }
    public bool UserCanExport { get; init; }
}

/// <summary>
/// A store's state: how many items it holds, how old its oldest item is (null when it keeps no time), and for a
/// store that promises a count per group (messages per room) the size of its largest group.
/// </summary>
public sealed record StoreAudit(string Key, long Count, TimeSpan? OldestAge, long? LargestGroup = null)
{
    /// <summary>Items on disk that no record claims (files of a store that keeps files); each one breaks the promise.</summary>
    public long Orphans { get; init; }
}

/// <summary>
/// A feature's account of the data it keeps (<c>FeatureBuilder.Policy</c>): what the policy says of it, and
/// what the audit measures.
/// </summary>
public interface IDataPolicy
{
    IEnumerable<StorePolicy> Stores();

    /// <summary>Per store: its count and the age of its oldest item now, for the retention audit.</summary>
    Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Per store: what it holds about <paramref name="account"/> ("what do you store about me").</summary>
    Task<IReadOnlyList<StoreAudit>> AboutAsync(XmppPrivacy.Services.Accounts.Account account, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Writes what the feature holds about <paramref name="account"/> into the export ("export my data"): one
    /// property per store, inside the export's root object. Nothing about anybody else.
    /// </summary>
    Task ExportAsync(XmppPrivacy.Services.Accounts.Account account, System.Text.Json.Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>Durations in words, with the number from the options.</summary>
public static class Durations
{
    /// <summary>"7 days" / "7 Tage" (the German nominative).</summary>
    public static Text Of(TimeSpan span) => Words(span, dative: false);

    /// <summary>"7 days" / "7 Tagen" (the German dative, after "nach", "innerhalb von").</summary>
    public static Text Dative(TimeSpan span) => Words(span, dative: true);

    private static Text Words(TimeSpan span, bool dative)
    {
        var (n, en, deOne, deMany, deManyDative) =
            span.Ticks % TimeSpan.TicksPerDay == 0 && span >= TimeSpan.FromDays(1) ? ((long)span.TotalDays, "day", "Tag", "Tage", "Tagen")
            : span.Ticks % TimeSpan.TicksPerHour == 0 && span >= TimeSpan.FromHours(1) ? ((long)span.TotalHours, "hour", "Stunde", "Stunden", "Stunden")
            : span.Ticks % TimeSpan.TicksPerMinute == 0 && span >= TimeSpan.FromMinutes(1) ? ((long)span.TotalMinutes, "minute", "Minute", "Minuten", "Minuten")
            : ((long)Math.Ceiling(span.TotalSeconds), "second", "Sekunde", "Sekunden", "Sekunden");
        return new Text($"{Number(n).En} {en}{(n == 1 ? "" : "s")}", $"{Number(n).De} {(n == 1 ? deOne : dative ? deManyDative : deMany)}");
    }

    /// <summary>A whole number with thousands grouped as each language writes it (1,000 / 1.000), without culture data.</summary>
    public static Text Number(long n)
    {
        var digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sign = digits.StartsWith('-') ? "-" : "";
        digits = digits.TrimStart('-');
        var groups = new List<string>();
        for (var end = digits.Length; end > 0; end -= 3) groups.Insert(0, digits[Math.Max(0, end - 3)..end]);
        return new Text(sign + string.Join(",", groups), sign + string.Join(".", groups));
    }
}
