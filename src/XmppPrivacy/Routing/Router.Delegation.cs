using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// XEP-0355 delegated IQs: the server forwards an IQ that a local user sent to their own account inside
/// <c>&lt;delegation&gt;&lt;forwarded&gt;</c>. The inner IQ is routed to the declared handler, and every
/// answer — errors included — goes back as an outer <c>result</c> wrapping the inner <c>jabber:client</c> IQ
/// (an outer error is lost on ejabberd and becomes service-unavailable on Prosody).
/// </summary>
public sealed partial class Router
{
    private async ValueTask<IqReply> DelegatedAsync(DomainRoutes routes, XElement delegation, Jid from, IOutbound outbound, CancellationToken cancellationToken)
    {
        if (_serverDomain is null || !from.IsDomain || !string.Equals(from.Domain, _serverDomain, StringComparison.OrdinalIgnoreCase))
            return StanzaError.Forbidden("Only the server delegates IQs to this service.");
        var forwarded = delegation.Elements().ToList();
        var inner = forwarded.Count == 1 && forwarded[0].Name == Ns.Forward + "forwarded" ? forwarded[0].Elements().ToList() : [];
        if (inner.Count != 1 || inner[0].Name != Ns.Client + "iq" || inner[0].Attribute("id") is null
            || !Jid.TryParse((string?)inner[0].Attribute("from"), out var user) || user.Local is null)
            return StanzaError.BadRequest("A delegation carries one forwarded jabber:client IQ from a user.");

        var iq = inner[0];
        var account = Jid.TryParse((string?)iq.Attribute("to"), out var to) ? to : user.Bare;
        var answer = await AnswerDelegatedAsync(routes, iq, user, account, outbound, cancellationToken);
        var innerReply = new XElement(Ns.Client + "iq",
            new XAttribute("type", answer.Error is null ? "result" : "error"), new XAttribute("id", (string)iq.Attribute("id")!),
            new XAttribute("to", user.ToString()), new XAttribute("from", account.ToString()),
            answer.Error is { } error ? error.ToElement(Ns.Client) : answer.Payload);
        return IqReply.Ok(new XElement(delegation.Name, new XElement(Ns.Forward + "forwarded", innerReply)));
    }

    private async ValueTask<IqReply> AnswerDelegatedAsync(DomainRoutes routes, XElement iq, Jid user, Jid account, IOutbound outbound, CancellationToken cancellationToken)
    {
        var type = (string?)iq.Attribute("type");
        if (type is not ("get" or "set")) return StanzaError.BadRequest("Only get and set IQs are delegated.");
        // Owners come from the server: a user's IQ is about their own account on this server, nobody else's.
        if (!string.Equals(user.Domain, _serverDomain, StringComparison.OrdinalIgnoreCase))
            return StanzaError.Forbidden("This service serves the accounts of its own server.");
        if (!account.IsBare || account != user.Bare)
            return StanzaError.Forbidden("Only your own account can be asked.");
        var children = iq.Elements().ToList();
        if (children.Count != 1) return StanzaError.BadRequest("An IQ get or set carries exactly one element.");
        if (!routes.Delegated.TryGetValue((type, children[0].Name), out var handler)) return StanzaError.ServiceUnavailable();
        try
        {
            return await handler(new IqRequest(iq, children[0], user, account, outbound), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(_logger, "delegated iq", routes.Domain, e.GetType().Name);
            return StanzaError.InternalServerError();
        }
    }
}
