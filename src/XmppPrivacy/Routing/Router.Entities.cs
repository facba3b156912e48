using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// Stanzas addressed to an entity of a domain (<c>room@host</c>, <c>room@host/nick</c>) go to the service that
/// claimed the domain's entity space. Where nobody claimed it, or nobody handles the stanza, IQ get/set and
/// messages of type normal or chat are answered <c>service-unavailable</c> (RFC 6120 §10.5.3); presences,
/// groupchat, headline, errors and results never are.
/// </summary>
public sealed partial class Router
{
    private static async ValueTask<IqReply> AnswerEntityIqAsync(DomainRoutes routes, XElement iq, string type, XElement payload,
        Jid from, Jid to, IOutbound outbound, CancellationToken cancellationToken)
    {
        if (routes.Entities is not { } space) return StanzaError.ServiceUnavailable();
        var node = (string?)payload.Attribute("node");
        if (type == "get" && payload.Name == Ns.DiscoInfo + "query" && space.InfoHandler is { } info)
            return await info(to, from, node, cancellationToken) is { } answer
                ? IqReply.Ok((answer with { Features = [.. answer.Features, Ns.DiscoInfo.NamespaceName] }).ToQuery(node))
                : StanzaError.ItemNotFound("No such entity or node.");
        if (type == "get" && payload.Name == Ns.DiscoItems + "query" && space.ItemsHandler is { } items)
            return await items(to, from, node, cancellationToken) is { } list
                ? IqReply.Ok(new XElement(Ns.DiscoItems + "query", node is null ? null : new XAttribute("node", node), list.Select(i => i.ToElement())))
                : StanzaError.ItemNotFound("No such entity or node.");
        if (space.IqRoutes.TryGetValue((type, payload.Name), out var handler))
            return await handler(new IqRequest(iq, payload, from, to, outbound), cancellationToken);
        return StanzaError.ServiceUnavailable();
    }

    private static async ValueTask RouteToEntityAsync(DomainRoutes routes, XElement stanza, Jid from, Jid to, IOutbound outbound,
        CancellationToken cancellationToken)
    {
        var kind = stanza.Kind();
        var handler = routes.Entities?.HandlerFor(kind, stanza.Type());
        StanzaError? error;
        if (handler is not null)
            error = await handler(new StanzaRequest(stanza, stanza.Elements().FirstOrDefault(), from, to, outbound), cancellationToken);
        else
            error = kind == "message" && stanza.Type() is null or "normal" or "chat" ? StanzaError.ServiceUnavailable() : null;
        if (error is not null && !stanza.MustNotBeAnswered())
            await outbound.SendAsync(Stanza.ErrorFor(stanza, error), cancellationToken);
    }
}
