using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// Routes each inbound stanza by addressee (the domain, or an entity on it: see <see cref="EntitySpaceBuilder"/>),
/// then (kind, type, child name + namespace) to the service that declared it, and is
/// the one error boundary: a handler's exception becomes <c>internal-server-error</c> without its text, and
/// nothing ever answers an error or a result with another error.
/// </summary>
public sealed partial class Router : IStanzaRouter
{
    private readonly Dictionary<string, DomainRoutes> _domains;
    private readonly IqTracker _tracker;
    private readonly ILogger<Router> _logger;

    /// <summary>The server's domain and ours; null when no server may delegate (unit tests of plain routing).</summary>
    private readonly Hosting.Domains? _served;
    private readonly RequestLimits _limits;

    /// <param name="serverDomain">The XMPP server's domain: the only sender whose delegated IQs are accepted.</param>
    /// <param name="limits">How many delegated IQs are answered at once, per user and in total (default 4 and 64).</param>
    public Router(IEnumerable<string> domains, IEnumerable<IComponentService> services, IqTracker tracker, ILogger<Router> logger,
        string? serverDomain = null, RequestLimits? limits = null)
    {
        _tracker = tracker;
        _limits = limits ?? new RequestLimits(4, 64);
        var list = services.ToList();
        var names = domains.ToList();
        _served = serverDomain is null || names.Count == 0 ? null : new Hosting.Domains(serverDomain, names[0]);
        _domains = names.ToDictionary(d => d, d => DomainRoutes.Build(d, list), StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    public IReadOnlyCollection<string> Domains => _domains.Keys;

    public async ValueTask OnConnectedAsync(IOutbound outbound, CancellationToken cancellationToken)
    {
        if (!_domains.TryGetValue(outbound.Domain, out var routes)) return;
        foreach (var handler in routes.Connected)
        {
            try
            {
                await handler(outbound, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHandlerFailed(_logger, "connected", outbound.Domain, e.GetType().Name);
            }
        }
    }

    public ValueTask OnDisconnectedAsync(string domain)
    {
        _tracker.CancelDomain(domain);
        return ValueTask.CompletedTask;
    }

    public Task IdleAsync() => _limits.IdleAsync();

    public bool TryCompleteReply(XElement stanza, string domain)
    {
        if (stanza.Kind() != "iq" || stanza.Type() is not ("result" or "error")) return false;
        // The answer may come on another connection than the question (ejabberd): key by the addressed domain.
        var addressed = stanza.To() is { } to && _domains.TryGetValue(to.Domain, out var routes) ? routes.Domain : domain;
        return _tracker.TryComplete(addressed, stanza);
    }

    public async ValueTask RouteAsync(XElement stanza, IOutbound outbound, CancellationToken cancellationToken)
    {
        if (stanza.From() is not { } from || stanza.To() is not { } to)
        {
            LogDropped(_logger, stanza.Kind(), outbound.Domain);
            return;
        }
        // Route by the addressed domain, not by the connection it came on: ejabberd registers every host of
        // a service listener for each of its connections and may deliver a stanza on any of them.
        if (!_domains.TryGetValue(to.Domain, out var routes) && !_domains.TryGetValue(outbound.Domain, out routes)) return;
        try
        {
            switch (stanza.Kind())
            {
                case "iq":
                    await RouteIqAsync(routes, stanza, from, to, outbound, cancellationToken);
                    break;
                case "message" or "presence" when to.Local is not null:
                    await RouteToEntityAsync(routes, stanza, from, to, outbound, cancellationToken);
                    break;
                case "message":
                    await RouteOtherAsync(routes.Messages, stanza, from, to, outbound, cancellationToken, answerUnhandled: stanza.Type() is null or "normal" or "chat");
                    break;
                case "presence":
                    await RouteOtherAsync(routes.Presences, stanza, from, to, outbound, cancellationToken, answerUnhandled: false);
                    break;
                default:
                    LogDropped(_logger, stanza.Kind(), outbound.Domain);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogHandlerFailed(_logger, stanza.Kind(), outbound.Domain, e.GetType().Name);
            if (!stanza.MustNotBeAnswered())
                await outbound.SendAsync(Stanza.ErrorFor(stanza, Failure(e)), cancellationToken);
        }
    }

    private async ValueTask RouteIqAsync(DomainRoutes routes, XElement iq, Jid from, Jid to, IOutbound outbound, CancellationToken cancellationToken)
    {
        var type = iq.Type();
        if (type is "result" or "error")
        {
            if (!_tracker.TryComplete(routes.Domain, iq) && to.Local is not null && routes.Entities?.IqResponseHandler is { } relay)
                await relay(new StanzaRequest(iq, iq.Elements().FirstOrDefault(), from, to, outbound), cancellationToken);
            return;
        }
        if (type is not ("get" or "set"))
        {
            await outbound.SendAsync(Stanza.ErrorFor(iq, StanzaError.BadRequest("An IQ must be of type get, set, result or error.")), cancellationToken);
            return;
        }
        if (iq.Id() is null) return; // cannot be answered
        var children = iq.Elements().Where(e => e.Name != Ns.Component + "error").ToList();
        if (children.Count != 1)
        {
            await outbound.SendAsync(Stanza.ErrorFor(iq, StanzaError.BadRequest("An IQ get or set carries exactly one element.")), cancellationToken);
            return;
        }
        var payload = children[0];
        if (to.Local is not null && to.Resource is not null && routes.Entities is { FullJidIqHandler: { } pass } space
            && !space.IqRoutes.ContainsKey((type, payload.Name)))
        {
            if (await pass(new StanzaRequest(iq, payload, from, to, outbound), cancellationToken) is { } refused)
                await SendAnswerAsync(iq, refused, outbound, cancellationToken);
            return;
        }
        if (to.Local is not null)
        {
            await SendAnswerAsync(iq, await AnswerEntityIqAsync(routes, iq, type, payload, from, to, outbound, cancellationToken), outbound, cancellationToken);
            return;
        }
        if (type == "set" && payload.Name.LocalName == "delegation" && (payload.Name.Namespace == Ns.Delegation2 || payload.Name.Namespace == Ns.Delegation1))
        {
            await StartDelegatedAsync(routes, iq, payload, from, outbound, cancellationToken);
            return;
        }
        if (type == "set" && payload.Name == Ns.Commands + "command" && routes.Iq.TryGetValue((type, payload.Name), out var command))
        {
            await StartBesideAsync(routes, iq, from, () => command(new IqRequest(iq, payload, from, to, outbound), cancellationToken), outbound, cancellationToken);
            return;
        }
        IqReply reply;
        if (payload.Name == Ns.DiscoInfo + "query" && type == "get")
            reply = DiscoInfo(routes, payload, to);
        else if (payload.Name == Ns.DiscoItems + "query" && type == "get")
            reply = routes.PagedItems is { } paged && payload.Attribute("node") is null
                ? await paged(new IqRequest(iq, payload, from, to, outbound), cancellationToken)
                : routes.DiscoItems((string?)payload.Attribute("node"), from);
        else if (routes.Iq.TryGetValue((type, payload.Name), out var handler))
            reply = await handler(new IqRequest(iq, payload, from, to, outbound), cancellationToken);
        else
            reply = StanzaError.ServiceUnavailable();
        await SendAnswerAsync(iq, reply, outbound, cancellationToken);
    }

    /// <summary>
    /// Answers a request beside the stanza loop within <see cref="RequestLimits"/>, like a delegated IQ: an XEP-0050
    /// command may read much (an export, the audit) and must not hold up anybody else's stanzas.
    /// </summary>
    private async ValueTask StartBesideAsync(DomainRoutes routes, XElement iq, Jid from, Func<ValueTask<IqReply>> answer, IOutbound outbound,
        CancellationToken cancellationToken)
    {
        var lease = _limits.TryEnter(from);
        if (lease is null)
        {
            await SendAnswerAsync(iq, RequestLimits.Busy, outbound, cancellationToken);
            return;
        }
        _ = Task.Run(async () =>
        {
            using (lease)
            {
                try
                {
                    await SendAnswerAsync(iq, await answer(), outbound, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The connection is closing.
                }
                catch (Exception e)
                {
                    LogHandlerFailed(_logger, "iq", routes.Domain, e.GetType().Name);
                    try
                    {
                        await SendAnswerAsync(iq, Failure(e), outbound, cancellationToken);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                    }
                }
            }
        }, CancellationToken.None);
    }

    private static async ValueTask SendAnswerAsync(XElement iq, IqReply reply, IOutbound outbound, CancellationToken cancellationToken) =>
        await outbound.SendAsync(reply.Error is { } error ? Stanza.ErrorFor(iq, error) : Stanza.ResultFor(iq, reply.Payload), cancellationToken);

    /// <summary>What a failed handler answers: <c>resource-constraint</c> (wait) when storage is full, else a bare internal error.</summary>
    private static StanzaError Failure(Exception e) => Storage.Db.IsStorageFull(e) ? Storage.Db.StorageFull : StanzaError.InternalServerError();

    private static IqReply DiscoInfo(DomainRoutes routes, XElement query, Jid to)
    {
        if (!to.IsDomain) return StanzaError.ServiceUnavailable();
        var node = (string?)query.Attribute("node");
        if (node is not null && !routes.NodeFeatures.ContainsKey(node))
            return StanzaError.ItemNotFound("No such node.");
        return IqReply.Ok(routes.DiscoInfo(node));
    }

    private static async ValueTask RouteOtherAsync(Dictionary<XName, StanzaHandler> table, XElement stanza, Jid from, Jid to,
        IOutbound outbound, CancellationToken cancellationToken, bool answerUnhandled)
    {
        if (stanza.Type() == "error") return;
        foreach (var child in stanza.Elements())
        {
            if (table.TryGetValue(child.Name, out var handler))
            {
                await handler(new StanzaRequest(stanza, child, from, to, outbound), cancellationToken);
                return;
            }
        }
        if (answerUnhandled)
            await outbound.SendAsync(Stanza.ErrorFor(stanza, StanzaError.ServiceUnavailable()), cancellationToken);
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "A {Kind} handler on {Domain} failed with {ExceptionType}")]
    private static partial void LogHandlerFailed(ILogger logger, string kind, string domain, string exceptionType);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Dropped a {Kind} on {Domain} without valid addresses")]
    private static partial void LogDropped(ILogger logger, string kind, string domain);
}
