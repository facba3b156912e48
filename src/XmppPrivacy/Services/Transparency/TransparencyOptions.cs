using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// The operator's part of the privacy policy (<c>Transparency:*</c>). Everything the component enforces is
/// rendered from the other sections; these fields are the operator's own words about what only the operator
/// knows (who runs the server, where, backups, the web server's and the XMPP server's own data), and the
/// policy marks them as such.
/// </summary>
[OptionsSection("Transparency")]
public sealed record TransparencyOptions
{
    [Option("Who runs the server (a person, club or association), as the policy names them.", Optional = true)]
    public string? OperatorName { get; init; }

    [Option("How to reach the operator about privacy: an e-mail address or an XMPP address.", Optional = true)]
    public string? Contact { get; init; }

    [Option("Where the server and its data are hosted (country, provider), in the operator's words.", Optional = true)]
    public string? HostingLocation { get; init; }

    [Option("What backups are made of the server and for how long they are kept, in the operator's words.", Optional = true)]
    public string? Backups { get; init; }

    [Option("What the web server in front of the component logs (addresses, for how long), in the operator's words.", Optional = true)]
    public string? WebServerLogs { get; init; }

    [Option("How the XMPP server keeps messages for users who are offline, in the operator's words.", Optional = true)]
    public string? OfflineMessages { get; init; }

    [Option("The public address of the privacy policy (the component serves it at `/privacy`); shown in the welcome message and as `tos` in the XEP-0504 form. Empty: `Http:PublicUrl` followed by `/privacy`.", Optional = true)]
    public string? PolicyUrl { get; init; }

    [Option("Send each newly registered user one message: that archiving is off until they turn it on, how to do so, and the link to the privacy policy.")]
    public bool Welcome { get; init; } = true;

    [Option("How often the retention audit runs by itself; admins get a message when a promise is broken.", Min = "1s", Max = "7d")]
    public TimeSpan AuditInterval { get; init; } = TimeSpan.FromHours(1);

    [Option("Whether the disk holding the component's database and files is encrypted (the operator's statement; XEP-0504 `encryption_at_rest`).")]
    public bool EncryptionAtRest { get; init; }
}
