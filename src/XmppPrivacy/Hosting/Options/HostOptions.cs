using Microsoft.Extensions.Logging;

namespace XmppPrivacy.Hosting.Options;

/// <summary>The component's link to the XMPP server (XEP-0114) and what it accepts on it.</summary>
[OptionsSection("Component")]
public sealed class ComponentOptions
{
    [Option("Address of the XMPP server's component port (XEP-0114).")]
    public string Host { get; init; } = "127.0.0.1";

    [Option("The XMPP server's component port.", Min = "1", Max = "65535")]
    public int Port { get; init; } = 5347;

    [Option("The component secret shared with the server (Prosody `component_secret`, ejabberd `password`). Give it in the environment (`XMPPPRIVACY_Component__Secret`) or use `Component:SecretFile`.", Secret = true, Optional = true)]
    public string? Secret { get; init; }

    [Option("A file whose first line is the component secret; used when `Component:Secret` is not set.", Kind = OptionKind.Path, Optional = true)]
    public string? SecretFile { get; init; }

    [Option("The XMPP server's own domain (the VirtualHost whose users this component serves; the bridge runs there).", Kind = OptionKind.Domain)]
    public string ServerDomain { get; init; } = "localhost";

    [Option("First reconnect delay; doubles per failure, with full jitter above it.", Min = "100ms", Max = "1m")]
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    [Option("Cap of the reconnect delay.", Min = "1s", Max = "1h")]
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    [Option("A connection that stayed up this long resets the reconnect delay.", Min = "1s", Max = "1h")]
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(30);

    [Option("Time allowed for the TCP connection.", Min = "1s", Max = "5m")]
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    [Option("Time allowed for the stream header and handshake.", Min = "1s", Max = "5m")]
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    [Option("How often a whitespace keepalive is sent on each connection.", Min = "1s", Max = "1h")]
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(60);

    [Option("Bytes one inbound stanza may take; larger ends the stream with policy-violation (the bridge's batches stay near 256 KiB; keep it above that).", Min = "4096", Max = "67108864")]
    public int MaxStanzaBytes { get; init; } = 1024 * 1024;

    [Option("Nesting depth allowed inside one inbound stanza.", Min = "4", Max = "1024")]
    public int MaxDepth { get; init; } = 64;

    [Option("Elements allowed in one inbound stanza (the bridge's batches hold at most 2,000; keep it above that).", Min = "16", Max = "1000000")]
    public int MaxElements { get; init; } = 5000;

    [Option("Attributes (namespace declarations included) allowed on one element.", Min = "4", Max = "10000")]
    public int MaxAttributes { get; init; } = 64;

    [Option("Requests one user may have answered at once (archive queries, preferences); more get `resource-constraint` (type wait).", Min = "1", Max = "1000")]
    public int MaxRequestsPerUser { get; init; } = 4;

    [Option("Requests of all users answered at once; more get `resource-constraint` (type wait).", Min = "1", Max = "100000")]
    public int MaxRequests { get; init; } = 64;
}

/// <summary>The component's service domains: one XEP-0114 connection each.</summary>
[OptionsSection("Component:Domains")]
public sealed class DomainsOptions
{
    [Option("Domain of the privacy service (notices, archive, transparency, the bridge's peer).", Kind = OptionKind.Domain)]
    public string Privacy { get; init; } = "privacy.localhost";

    [Option("Domain of the upload service; empty turns the connection off.", Kind = OptionKind.Domain, Optional = true)]
    public string? Upload { get; init; } = "upload.localhost";

    [Option("Domain of the rooms service; empty turns the connection off.", Kind = OptionKind.Domain, Optional = true)]
    public string? Rooms { get; init; } = "rooms.localhost";
}

[OptionsSection("Http")]
public sealed class HttpOptions
{
    [Option("Where the HTTP endpoint (health, metrics, the privacy page, exports) listens; `;`-separated URLs.", Kind = OptionKind.HttpUrls)]
    public string Urls { get; init; } = "http://127.0.0.1:5443";

    [Option("The address users reach that endpoint at (through the reverse proxy, e.g. `https://example.org`); links the component gives out start with it. Empty: the first `Http:Urls` address.", Kind = OptionKind.HttpUrls, Optional = true)]
    public string? PublicUrl { get; init; }

    /// <summary>The public base address without a trailing slash.</summary>
    public string PublicBase => (PublicUrl ?? Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0]).TrimEnd('/');
}

/// <summary>The database engines the stores are tested on.</summary>
public enum StorageProvider { Sqlite }

[OptionsSection("Storage")]
public sealed class StorageOptions
{
    [Option("The database (SQLite; PostgreSQL comes with its tested backend).")]
    public StorageProvider Provider { get; init; } = StorageProvider.Sqlite;

    [Option("SQLite database file; the archive keeps its messages beside it in the folder `<path>.archive/`, one file per UTC hour. Relative paths are relative to the working directory.", Kind = OptionKind.Path)]
    public string Path { get; init; } = "var/xmpp-privacy.db";
}

[OptionsSection("Sweeps")]
public sealed class SweepsOptions
{
    [Option("How often every expiry sweep runs; nothing outlives its retention by more than this.", Min = "1s", Max = "1h")]
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    [Option("Rows deleted per batch; sweeps yield between batches, so a smaller batch holds the database's write lock for less time (250: about 30 ms; 1000: about 110 ms, with archive ingest p99 twice as high during a sweep).", Min = "1", Max = "100000")]
    public int BatchSize { get; init; } = 250;
}

[OptionsSection("Log")]
public sealed class LogOptions
{
    [Option("Lowest level written. IP addresses are scrubbed at every level.")]
    public LogLevel Level { get; init; } = LogLevel.Error;

    [Option("Also write the log to daily files named after this path (`xmpp-privacy.log` → `xmpp-privacy-20261123.log`).", Kind = OptionKind.Path, Optional = true)]
    public string? File { get; init; }

    [Option("Log files older than this many days are deleted by a sweep.", Min = "1", Max = "365")]
    public int RetentionDays { get; init; } = 5;
}
