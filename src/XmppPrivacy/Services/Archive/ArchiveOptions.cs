namespace XmppPrivacy.Services.Archive;

/// <summary>What a user's archive keeps when no always/never list names the other party (XEP-0441).</summary>
public enum ArchivePolicy { Never, Always, Roster }

/// <summary>Whether an archived message was received by the owner or sent by them.</summary>
public enum ArchiveDirection { In, Out }

/// <summary>
/// The archive's options (<c>Archive:*</c>). Names echo Prosody's mod_mam (<c>archive_expires_after</c>,
/// <c>max_archive_query_results</c>, <c>default_archive_policy</c>).
/// </summary>
public sealed record ArchiveOptions
{
    /// <summary>Retention: nothing older is served, and the sweep deletes it.</summary>
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The largest page a query returns; a larger RSM <c>max</c> is clamped to it.</summary>
    public int MaxPageSize { get; init; } = 50;

    /// <summary>The default of users who never set preferences; <c>never</c> means opt-in.</summary>
    public ArchivePolicy DefaultPolicy { get; init; } = ArchivePolicy.Never;

    /// <summary>How often expired messages are deleted.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The most ids one query may name in its <c>ids</c> field; more is <c>bad-request</c>.</summary>
    public int MaxIds { get; init; } = 100;

    /// <summary>How long one query may take; a slower one is stopped and answered <c>resource-constraint</c> (type wait).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The most JIDs each always/never list of a user's preferences may hold.</summary>
    public int MaxPrefsJids { get; init; } = 1000;

    public static string Name(ArchivePolicy policy) => policy switch
    {
        ArchivePolicy.Always => "always",
        ArchivePolicy.Roster => "roster",
        _ => "never",
    };

    public static bool TryParsePolicy(string? text, out ArchivePolicy policy)
    {
        policy = text switch
        {
            "always" => ArchivePolicy.Always,
            "never" => ArchivePolicy.Never,
            "roster" => ArchivePolicy.Roster,
            _ => (ArchivePolicy)(-1),
        };
        return Enum.IsDefined(policy);
    }

    internal static string Name(ArchiveDirection direction) => direction == ArchiveDirection.In ? "in" : "out";
}
