using Microsoft.Extensions.Logging;

namespace XmppPrivacy.Hosting;

/// <summary>Every option of the component, in the order docs/configuration.md lists them.</summary>
public static class OptionCatalogue
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public static readonly IReadOnlyList<OptionSpec> All =
    [
        OptionSpec.Text("Component:Host", "127.0.0.1", "Address of the XMPP server's component port (XEP-0114)."),
        OptionSpec.Int("Component:Port", 5347, 1, 65535, "The XMPP server's component port."),
        OptionSpec.OptionalText("Component:Secret", "The component secret shared with the server (Prosody `component_secret`, ejabberd `password`). Give it in the environment (`XMPPPRIVACY_Component__Secret`) or use `Component:SecretFile`.", secret: true),
        OptionSpec.OptionalText("Component:SecretFile", "A file whose first line is the component secret; used when `Component:Secret` is not set."),
        OptionSpec.Domain("Component:ServerDomain", "localhost", "The XMPP server's own domain (the VirtualHost whose users this component serves; the bridge runs there)."),
        OptionSpec.Domain("Component:Domains:Privacy", "privacy.localhost", "Domain of the privacy service (notices, transparency, the bridge's peer)."),
        OptionSpec.Domain("Component:Domains:Upload", "upload.localhost", "Domain of the upload service; empty turns the connection off.", optional: true),
        OptionSpec.Domain("Component:Domains:Rooms", "rooms.localhost", "Domain of the rooms service; empty turns the connection off.", optional: true),
        OptionSpec.Period("Component:ReconnectBaseDelay", "1s", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), "First reconnect delay; doubles per failure, with full jitter above it."),
        OptionSpec.Period("Component:ReconnectMaxDelay", "60s", Second, TimeSpan.FromHours(1), "Cap of the reconnect delay."),
        OptionSpec.Period("Component:StableAfter", "30s", Second, TimeSpan.FromHours(1), "A connection that stayed up this long resets the reconnect delay."),
        OptionSpec.Period("Component:ConnectTimeout", "10s", Second, TimeSpan.FromMinutes(5), "Time allowed for the TCP connection."),
        OptionSpec.Period("Component:HandshakeTimeout", "10s", Second, TimeSpan.FromMinutes(5), "Time allowed for the stream header and handshake."),
        OptionSpec.Period("Component:KeepaliveInterval", "60s", Second, TimeSpan.FromHours(1), "How often a whitespace keepalive is sent on each connection."),
        OptionSpec.Int("Component:MaxStanzaBytes", 1024 * 1024, 4096, 64 * 1024 * 1024, "Bytes one inbound stanza may take; larger ends the stream with policy-violation (the bridge's batches stay near 256 KiB; keep it above that)."),
        OptionSpec.Int("Component:MaxDepth", 64, 4, 1024, "Nesting depth allowed inside one inbound stanza."),
        OptionSpec.Int("Component:MaxElements", 5000, 16, 1_000_000, "Elements allowed in one inbound stanza (the bridge's batches hold at most 2,000; keep it above that)."),
        OptionSpec.Int("Component:MaxAttributes", 64, 4, 10_000, "Attributes (namespace declarations included) allowed on one element."),
        OptionSpec.Int("Component:MaxRequestsPerUser", 4, 1, 1000, "Requests one user may have answered at once (archive queries, preferences); more get `resource-constraint` (type wait)."),
        OptionSpec.Int("Component:MaxRequests", 64, 1, 100_000, "Requests of all users answered at once; more get `resource-constraint` (type wait)."),
        OptionSpec.Text("Http:Urls", "http://127.0.0.1:5443", "Where the HTTP endpoint (health, metrics; later uploads and the privacy page) listens; `;`-separated URLs.",
            text => text.Split(';').All(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"),
            "one or more http:// or https:// URLs separated by ';'"),
        OptionSpec.OneOf("Storage:Provider", "sqlite", ["sqlite"], "The database (PostgreSQL comes later)."),
        OptionSpec.Text("Storage:Path", "var/xmpp-privacy.db", "SQLite database file; relative paths are relative to the working directory."),
        OptionSpec.Period("Sweeps:Interval", "1m", Second, TimeSpan.FromHours(1), "How often every expiry sweep runs; nothing outlives its retention by more than this."),
        OptionSpec.Int("Sweeps:BatchSize", 250, 1, 100_000, "Rows deleted per batch; sweeps yield between batches, so a smaller batch holds the database's write lock for less time (250: about 30 ms; 1000: about 110 ms, with archive ingest p99 twice as high during a sweep)."),
        OptionSpec.OneOf("Archive:DefaultPolicy", "never", ["never", "always", "roster"], "Archiving for users who set no preference: `never` (opt-in, the promise), `always` (opt-out), `roster`."),
        OptionSpec.Period("Archive:ExpiresAfter", "7d", Second, TimeSpan.FromDays(3650), "Archived messages older than this are never served and are deleted within one sweep interval."),
        OptionSpec.Period("Archive:SweepInterval", "1m", Second, TimeSpan.FromHours(1), "How often expired archive messages are deleted; nothing archived exists longer than `Archive:ExpiresAfter` plus this."),
        OptionSpec.Int("Archive:MaxPageSize", 50, 1, 1000, "Most results per archive page; larger RSM `max` values are clamped to it."),
        OptionSpec.Period("Archive:QueryTimeout", "10s", Second, TimeSpan.FromMinutes(5), "How long one archive query may run; a slower one is stopped and answered `resource-constraint` (type wait), so the client may retry."),
        OptionSpec.BareJids("Notices:Admins", "Who receives registration notices and burst alerts, comma-separated (the demo sets admin@localhost)."),
        OptionSpec.Int("Notices:BurstCount", 5, 1, 10_000, "More registrations than this within `Notices:BurstWindow` become one aggregated alert instead of individual notices."),
        OptionSpec.Period("Notices:BurstWindow", "60s", Second, TimeSpan.FromDays(1), "The window of the burst alert."),
        OptionSpec.Bool("Notices:NotifyDeletions", false, "Also tell admins when an account was deleted (the name only)."),
        OptionSpec.OneOf("Log:Level", "Error", ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"], "Lowest level written. IP addresses are scrubbed at every level."),
        OptionSpec.OptionalText("Log:File", "Also write the log to daily files named after this path (`xmpp-privacy.log` → `xmpp-privacy-20261123.log`)."),
        OptionSpec.Int("Log:RetentionDays", 5, 1, 365, "Log files older than this many days are deleted by a sweep."),
    ];

    public static OptionSpec Find(string key) =>
        All.FirstOrDefault(o => o.Key.Equals(key, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException(key);
}
