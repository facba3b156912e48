using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Notices;

/// <summary>Who gets notices and how bursts are cut (<c>Notices:*</c>).</summary>
[OptionsSection("Notices")]
public sealed record NoticesOptions
{
    [Option("Who receives registration notices and burst alerts and may run the admin commands, comma-separated (the demo sets admin@localhost).", Kind = OptionKind.BareJids)]
    public IReadOnlyList<string> Admins { get; init; } = [];

    [Option("More registrations than this within `Notices:BurstWindow` start a burst: one alert at once instead of individual notices, and a summary with the names when it ends.", Min = "1", Max = "10000")]
    public int BurstCount { get; init; } = 5;

    [Option("The window of the burst alert; a burst ends once a window holds no more than `Notices:BurstCount` registrations.", Min = "1s", Max = "1d")]
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromSeconds(60);

    [Option("Also tell admins when an account was deleted (the name only).")]
    public bool NotifyDeletions { get; init; }
}
