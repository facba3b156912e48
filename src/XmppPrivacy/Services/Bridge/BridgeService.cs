using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Bridge;

/// <summary>What the component knows of the Prosody bridge (mod_privacy_bridge).</summary>
public sealed record BridgeState(bool Present, string? ProsodyVersion, DateTimeOffset? ServerStarted, DateTimeOffset? LastEvent);

/// <summary>
/// The channel to <c>mod_privacy_bridge</c> (docs/bridge-protocol.md): on each connection of the privacy
/// domain it greets the bridge on the server domain, and it accepts bridge events only from the bare server
/// domain, which no client can forge. It carries no IP address by design.
/// </summary>
public sealed partial class BridgeService(
    string privacyDomain, string serverDomain, IqTracker iqs, AccountLifecycle accounts, ActivityStore activity,
    Metrics metrics, TimeProvider time, ILogger<BridgeService> logger)
    : IComponentService
{
    /// <summary>The bridge protocol version this component speaks (docs/bridge-protocol.md).</summary>
    public const string ProtocolVersion = "0";

    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    private volatile BridgeState _state = new(false, null, null, null);

    public BridgeState State => _state;

    public IReadOnlyCollection<string>? Domains => [privacyDomain];

    public void Declare(ServiceBuilder service) => service
        .OnConnected(HelloAsync)
        .Message(Ns.Bridge + "session", OnSessionAsync)
        .Message(Ns.Bridge + "account", OnAccountAsync);

    private async ValueTask HelloAsync(Streams.IOutbound outbound, CancellationToken cancellationToken)
    {
        var hello = Stanza.Iq("get", privacyDomain, serverDomain, "bridge-" + Guid.NewGuid().ToString("N")[..12],
            new XElement(Ns.Bridge + "hello"));
        XElement answer;
        try
        {
            answer = await iqs.SendAsync(outbound, hello, HelloTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            LogBridgeAbsent(logger, serverDomain, "no answer");
            _state = _state with { Present = false };
            return;
        }
        if (answer.Type() != "result" || answer.Element(Ns.Bridge + "hello") is not { } info)
        {
            LogBridgeAbsent(logger, serverDomain, "not loaded");
            _state = _state with { Present = false };
            return;
        }
        if ((string?)info.Attribute("protocol") != ProtocolVersion)
        {
            LogBridgeAbsent(logger, serverDomain, "unsupported protocol version");
            _state = _state with { Present = false };
            return;
        }
        _state = _state with
        {
            Present = true,
            ProsodyVersion = (string?)info.Attribute("prosody"),
            ServerStarted = ParseMillis((string?)info.Attribute("started")),
        };
        metrics.Increment("xmppprivacy_bridge_hello_total");
        LogBridgePresent(logger, serverDomain);
    }

    private async ValueTask OnSessionAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (!FromServer(request)) return;
        var kind = (string?)request.Payload!.Attribute("event") switch
        {
            "start" => "session-start",
            "end" => "session-end",
            _ => null,
        };
        if (kind is null || Account(request.Payload) is not { } account)
        {
            metrics.Increment("xmppprivacy_bridge_events_rejected_total");
            return;
        }
        _state = _state with { LastEvent = time.GetUtcNow() };
        await activity.RecordAsync(account, kind == "session-start", At(request.Payload), cancellationToken);
        metrics.Increment("xmppprivacy_bridge_events_total", "kind", kind);
    }

    private async ValueTask OnAccountAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (!FromServer(request)) return;
        var kind = (string?)request.Payload!.Attribute("event");
        if (kind is not ("registered" or "deleted") || Account(request.Payload) is null)
        {
            metrics.Increment("xmppprivacy_bridge_events_rejected_total");
            return;
        }
        _state = _state with { LastEvent = time.GetUtcNow() };
        var user = (string)request.Payload.Attribute("user")!;
        if (kind == "registered") await accounts.RegisteredAsync(user, serverDomain, cancellationToken);
        else await accounts.DeletedAsync(user, serverDomain, cancellationToken);
        metrics.Increment("xmppprivacy_bridge_events_total", "kind", "account-" + kind);
    }

    /// <summary>The bare JID of the event's user on the server domain, or null when the name is not a valid localpart.</summary>
    private string? Account(XElement payload) =>
        (string?)payload.Attribute("user") is { Length: > 0 } user && Jid.TryParse(user + "@" + serverDomain, out var jid) && jid.IsBare
            ? jid.ToString() : null;

    private DateTimeOffset At(XElement payload) => ParseMillis((string?)payload.Attribute("at")) ?? time.GetUtcNow();

    private bool FromServer(StanzaRequest request)
    {
        if (request.From.IsDomain && string.Equals(request.From.Domain, serverDomain, StringComparison.OrdinalIgnoreCase))
            return true;
        metrics.Increment("xmppprivacy_bridge_events_rejected_total");
        LogForgedEvent(logger);
        return false;
    }

    private static DateTimeOffset? ParseMillis(string? text) =>
        long.TryParse(text, out var ms) && ms is > 0 and < 253402300800000 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "The bridge on {ServerDomain} answered")]
    private static partial void LogBridgePresent(ILogger logger, string serverDomain);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "No bridge on {ServerDomain} ({Reason}); Prosody-only features are off")]
    private static partial void LogBridgeAbsent(ILogger logger, string serverDomain, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Ignored a bridge event that did not come from the server domain")]
    private static partial void LogForgedEvent(ILogger logger);
}
