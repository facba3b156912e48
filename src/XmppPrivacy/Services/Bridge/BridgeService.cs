using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Bridge;

/// <summary>What the component knows of the Prosody bridge (mod_privacy_bridge).</summary>
public sealed record BridgeState(bool Present, string? ProsodyVersion, DateTimeOffset? ServerStarted, DateTimeOffset? LastEvent);

/// <summary>
/// The channel to <c>mod_privacy_bridge</c> (docs/bridge-protocol.md): on each connection of the privacy
/// domain it greets the bridge on the server domain (which starts the replay of what the bridge queued
/// meanwhile) and reconciles accounts; it accepts bridge events only from the bare server domain, which
/// no client can forge, and acknowledges each once it is stored. It carries no IP address by design.
/// </summary>
public sealed partial class BridgeService(
    Domains domains, IqTracker iqs, AccountLifecycle accounts, ActivityStore activity,
    ArchiveStore archive, RosterLookup roster, IEnumerable<IAccountData> owners, Metrics metrics, TimeProvider time, ILogger<BridgeService> logger)
    : IComponentService
{
    /// <summary>The bridge protocol version this component speaks (docs/bridge-protocol.md).</summary>
    public const string ProtocolVersion = "1";

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private volatile BridgeState _state = new(false, null, null, null);
    private volatile IOutbound? _outbound;

    public BridgeState State => _state;

    IReadOnlyCollection<string>? IComponentService.Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .OnConnected(HelloAsync)
        .Iq("set", Ns.Bridge + "batch", OnBatchAsync)
        .Iq("set", Ns.Bridge + "session", (request, ct) => SingleAsync(request, SessionAsync, ct))
        .Iq("set", Ns.Bridge + "account", (request, ct) => SingleAsync(request, AccountAsync, ct))
        .Iq("set", Ns.Bridge + "message-copy", (request, ct) => SingleAsync(request, (e, t) => MessageCopyAsync(e, request.Outbound, t), ct));

    /// <summary>Most events a batch may carry; the bridge sends at most <c>privacy_bridge_batch_size</c> (250).</summary>
    public const int MaxBatch = 1000;

    /// <summary>
    /// The events of one batch, in order. Message copies are stored together in one transaction (one disk
    /// flush for the batch), written before any other event that follows them so the order is kept. A
    /// malformed event is counted and skipped (it would never be accepted); the batch is acknowledged once
    /// everything in it is stored, or answered with an error (and sent again by the bridge) when it cannot be.
    /// </summary>
    private async ValueTask<IqReply> OnBatchAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (Refused(request) is { } refused) return refused;
        var events = request.Payload.Elements().Take(MaxBatch + 1).ToList();
        if (events.Count > MaxBatch) return Rejected($"A batch carries at most {MaxBatch} events.");
        var copies = new List<ArchiveEntry>();
        var prefs = new Dictionary<string, ArchivePrefs>(StringComparer.Ordinal);
        foreach (var item in events)
        {
            if (item.Name == Ns.Bridge + "message-copy")
            {
                await PrepareCopyAsync(item, request.Outbound, prefs, copies, cancellationToken);
                continue;
            }
            await StoreCopiesAsync(copies, cancellationToken);
            if (item.Name == Ns.Bridge + "session") await SessionAsync(item, cancellationToken);
            else if (item.Name == Ns.Bridge + "account") await AccountAsync(item, cancellationToken);
            else if (item.Name == Ns.Bridge + "dropped") Dropped(item);
            else Rejected("Not a bridge event."); // counted, and skipped
        }
        await StoreCopiesAsync(copies, cancellationToken);
        return IqReply.Empty;
    }

    private async ValueTask<IqReply> SingleAsync(IqRequest request, Func<XElement, CancellationToken, ValueTask<StanzaError?>> handle,
        CancellationToken cancellationToken)
    {
        if (Refused(request) is { } refused) return refused;
        return await handle(request.Payload, cancellationToken) is { } rejected ? rejected : IqReply.Empty;
    }

    private async ValueTask HelloAsync(IOutbound outbound, CancellationToken cancellationToken)
    {
        // The rooms domain is named so the bridge never copies messages with room occupants into personal archives.
        var answer = await QueryAsync(outbound, new XElement(Ns.Bridge + "hello", domains.Rooms is { } rooms ? new XAttribute("rooms", rooms) : null), cancellationToken);
        if (answer?.Element(Ns.Bridge + "hello") is not { } info)
        {
            LogBridgeAbsent(logger, domains.Server, answer is null ? "no answer" : "not loaded");
            _state = _state with { Present = false };
            return;
        }
        if ((string?)info.Attribute("protocol") != ProtocolVersion)
        {
            LogBridgeAbsent(logger, domains.Server, "unsupported protocol version");
            _state = _state with { Present = false };
            return;
        }
        _outbound = outbound;
        _state = _state with
        {
            Present = true,
            ProsodyVersion = (string?)info.Attribute("prosody"),
            ServerStarted = ParseMillis((string?)info.Attribute("started")),
        };
        metrics.Increment("xmppprivacy_bridge_hello_total");
        LogBridgePresent(logger, domains.Server);
        await SyncArchivingAsync(outbound, cancellationToken);
        await ReconcileAsync(cancellationToken);
    }

    private async ValueTask<StanzaError?> SessionAsync(XElement payload, CancellationToken cancellationToken)
    {
        var login = (string?)payload.Attribute("event") switch
        {
            "start" => true,
            "end" => false,
            _ => (bool?)null,
        };
        if (login is not { } isLogin || Account(payload) is not { } account)
            return Rejected("A session event needs event='start' or 'end' and a valid user.");
        // A session of an earlier account of the name, replayed after the new one was seen, is not recorded.
        if (!await accounts.ObservedAsync(account, Marker(payload), At(payload), cancellationToken))
        {
            Accepted("session-stale");
            return null;
        }
        await activity.RecordAsync(account, isLogin, At(payload), cancellationToken);
        Accepted(isLogin ? "session-start" : "session-end");
        return null;
    }

    private async ValueTask<StanzaError?> AccountAsync(XElement payload, CancellationToken cancellationToken)
    {
        var kind = (string?)payload.Attribute("event");
        if (kind is not ("registered" or "deleted") || Account(payload) is not { } account)
            return Rejected("An account event needs event='registered' or 'deleted' and a valid user.");
        if (kind == "registered") await accounts.RegisteredAsync(account, Marker(payload), At(payload), cancellationToken);
        else await accounts.DeletedAsync(account, cancellationToken);
        Accepted("account-" + kind);
        return null;
    }

    private StanzaError? Refused(IqRequest request)
    {
        if (domains.IsServer(request.From)) return null;
        metrics.Increment("xmppprivacy_bridge_events_rejected_total");
        LogForgedEvent(logger);
        return StanzaError.Forbidden("Only the server may send bridge events.");
    }

    private StanzaError Rejected(string text)
    {
        metrics.Increment("xmppprivacy_bridge_events_rejected_total");
        return StanzaError.BadRequest(text);
    }

    private void Accepted(string kind)
    {
        _state = _state with { LastEvent = time.GetUtcNow() };
        metrics.Increment("xmppprivacy_bridge_events_total", "kind", kind);
    }

    /// <summary>The event's user on the server domain, or null when the name is not a valid localpart.</summary>
    private Account? Account(XElement payload, string attribute = "user") => Account((string?)payload.Attribute(attribute));

    private Account? Account(string? user) => Accounts.Account.TryCreate(user, domains.Server, out var account) ? account : null;

    /// <summary>The incarnation marker of the event's account, or null when there is none or it is not one.</summary>
    private static string? Marker(XElement payload) =>
        (string?)payload.Attribute("marker") is { Length: > 0 and <= IncarnationStore.MaxMarkerLength } marker && marker.All(char.IsAsciiLetterOrDigit)
            ? marker
            : null;

    /// <summary>
    /// The bridge had to drop events while its queue was full (docs/bridge-protocol.md): counted per kind.
    /// Deletions and re-creations it could not report are repaired by reconciliation and incarnation markers.
    /// </summary>
    private void Dropped(XElement report)
    {
        foreach (var kind in new[] { "message-copy", "session", "account" })
            if (long.TryParse((string?)report.Attribute(kind), out var count) && count is > 0 and < int.MaxValue)
            {
                metrics.Increment("xmppprivacy_bridge_dropped_total", "kind", kind, count);
                LogDropped(logger, count, kind);
            }
    }

    private DateTimeOffset At(XElement payload) => ParseMillis((string?)payload.Attribute("at")) ?? time.GetUtcNow();

    /// <summary>Sends a bridge query to the server domain; null when it was not answered in time or the link went away.</summary>
    private async Task<XElement?> QueryAsync(IOutbound outbound, XElement payload, CancellationToken cancellationToken, string type = "get")
    {
        var query = Stanza.Iq(type, domains.Privacy, domains.Server, "bridge-" + Guid.NewGuid().ToString("N")[..12], payload);
        try
        {
            var answer = await iqs.SendAsync(outbound, query, QueryTimeout, cancellationToken);
            return answer.Type() == "result" ? answer : new XElement(Ns.Component + "iq");
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static DateTimeOffset? ParseMillis(string? text) =>
        long.TryParse(text, out var ms) && ms is > 0 and < 253402300800000 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "The bridge on {ServerDomain} answered")]
    private static partial void LogBridgePresent(ILogger logger, string serverDomain);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "No bridge on {ServerDomain} ({Reason}); Prosody-only features are off")]
    private static partial void LogBridgeAbsent(ILogger logger, string serverDomain, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "The bridge's queue was full while this component was away: it dropped {Count} {Kind} events")]
    private static partial void LogDropped(ILogger logger, long count, string kind);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Refused a bridge event that did not come from the server domain")]
    private static partial void LogForgedEvent(ILogger logger);
}
