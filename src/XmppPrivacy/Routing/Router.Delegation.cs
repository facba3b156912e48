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
/// Delegated IQs are answered beside the stanza loop, within <see cref="RequestLimits"/>: one user's slow
/// archive query never delays another user's, nor the bridge's events that follow it on the connection.
/// </summary>
public sealed partial class Router
{
    private async ValueTask StartDelegatedAsync(DomainRoutes routes, XElement outer, XElement delegation, Jid from, IOutbound outbound,
        CancellationToken cancellationToken)
    {
        if (_served is null || !_served.IsServer(from))
        {
            await outbound.SendAsync(Stanza.ErrorFor(outer, StanzaError.Forbidden("Only the server delegates IQs to this service.")), cancellationToken);
            return;
        }
        var forwarded = delegation.Elements().ToList();
        var inner = forwarded.Count == 1 && forwarded[0].Name == Ns.Forward + "forwarded" ? forwarded[0].Elements().ToList() : [];
        if (inner.Count != 1 || inner[0].Name != Ns.Client + "iq" || inner[0].Attribute("id") is null
            || !Jid.TryParse((string?)inner[0].Attribute("from"), out var user) || user.Local is null)
        {
            await outbound.SendAsync(Stanza.ErrorFor(outer,
                StanzaError.BadRequest("A delegation carries one forwarded jabber:client IQ from a user.")), cancellationToken);
            return;
        }

        var iq = inner[0];
        var account = Jid.TryParse((string?)iq.Attribute("to"), out var to) ? to : user.Bare;
        var lease = _limits.TryEnter(user);
        if (lease is null)
        {
            await outbound.SendAsync(Stanza.ResultFor(outer, Wrap(delegation, iq, user, account, RequestLimits.Busy)), cancellationToken);
            return;
        }
        _ = Task.Run(async () =>
        {
            using (lease)
            {
                try
                {
                    var answer = await AnswerDelegatedAsync(routes, iq, user, account, outbound, cancellationToken);
                    await outbound.SendAsync(Stanza.ResultFor(outer, Wrap(delegation, iq, user, account, answer)), cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The connection is closing: the server fails the IQ for the user.
                }
                catch (Exception e)
                {
                    LogHandlerFailed(_logger, "delegated iq", routes.Domain, e.GetType().Name);
                }
            }
        }, CancellationToken.None);
    }

    /// <summary>The outer payload: the delegation element wrapping the inner <c>jabber:client</c> result or error.</summary>
    private static XElement Wrap(XElement delegation, XElement iq, Jid user, Jid account, IqReply answer) =>
        new(delegation.Name, new XElement(Ns.Forward + "forwarded",
            new XElement(Ns.Client + "iq",
                new XAttribute("type", answer.Error is null ? "result" : "error"), new XAttribute("id", (string)iq.Attribute("id")!),
                new XAttribute("to", user.ToString()), new XAttribute("from", account.ToString()),
                answer.Error is { } error ? error.ToElement(Ns.Client) : answer.Payload)));

    private async ValueTask<IqReply> AnswerDelegatedAsync(DomainRoutes routes, XElement iq, Jid user, Jid account, IOutbound outbound, CancellationToken cancellationToken)
    {
        var type = (string?)iq.Attribute("type");
        if (type is not ("get" or "set")) return StanzaError.BadRequest("Only get and set IQs are delegated.");
        // Owners come from the server: a user's IQ is about their own account on this server, nobody else's.
        if (!_served!.IsLocalAccount(user))
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
            return Failure(e);
        }
    }
}
