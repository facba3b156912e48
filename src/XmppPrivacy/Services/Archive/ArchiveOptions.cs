using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Archive;

/// <summary>What a user's archive keeps when no always/never list names the other party (XEP-0441).</summary>
public enum ArchivePolicy { Never, Always, Roster }

/// <summary>Whether an archived message was received by the owner or sent by them.</summary>
public enum ArchiveDirection { In, Out }

/// <summary>
/// The archive's options (<c>Archive:*</c>). Names echo Prosody's mod_mam (<c>archive_expires_after</c>,
/// <c>max_archive_query_results</c>, <c>default_archive_policy</c>). Expired messages are deleted every
/// <c>Sweeps:Interval</c>.
/// </summary>
[OptionsSection("Archive")]
public sealed record ArchiveOptions
{
    [Option("Archiving for users who set no preference: `never` (opt-in, the promise), `always` (opt-out), `roster`.")]
    public ArchivePolicy DefaultPolicy { get; init; } = ArchivePolicy.Never;

    [Option("Archived messages older than this are never served and are deleted within one sweep interval (`Sweeps:Interval`).", Min = "1s", Max = "3650d")]
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromDays(7);

    [Option("Most results per archive page; larger RSM `max` values are clamped to it.", Min = "1", Max = "1000")]
    public int MaxPageSize { get; init; } = 50;

    /// <summary>The most ids one query may name in its <c>ids</c> field; more is <c>bad-request</c>.</summary>
    public int MaxIds { get; init; } = 100;

    [Option("How long one archive query may run; a slower one is stopped and answered `resource-constraint` (type wait), so the client may retry.", Min = "1s", Max = "5m")]
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
