using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Delegation;

/// <summary>
/// Sends a message as a local user's account (XEP-0356 privileged entity, permission message/outgoing):
/// the inner <c>jabber:client</c> message goes from the user's **bare** JID (a full JID is refused by the
/// server), wrapped in <c>&lt;privilege&gt;&lt;forwarded&gt;</c> and addressed to the server. MAM results
/// travel this way to the client that asked.
/// </summary>
public static class PrivilegedMessages
{
    /// <summary>The wrapped stanza for <paramref name="inner"/>, a message from <paramref name="account"/> (bare) to <paramref name="to"/>.</summary>
    public static XElement Wrap(string privacyDomain, string serverDomain, Jid account, Jid to, XNamespace privilegeNamespace, params object?[] content)
    {
        if (!account.IsBare || account.Local is null) throw new ArgumentException("Privileged messages come from a bare account JID.", nameof(account));
        var inner = new XElement(Ns.Client + "message",
            new XAttribute("from", account.ToString()), new XAttribute("to", to.ToString()),
            new XAttribute("id", Guid.NewGuid().ToString("N")[..16]), content);
        return Stanza.Message(null, privacyDomain, serverDomain, null,
            new XElement(privilegeNamespace + "privilege", new XElement(Ns.Forward + "forwarded", inner)));
    }

    /// <summary>
    /// Sends from <paramref name="privacyDomain"/>, the domain holding the privilege, whichever connection
    /// <paramref name="outbound"/> is: ejabberd delivers a delegated IQ on any of the component's connections,
    /// and refuses a privileged message from a domain it granted nothing.
    /// </summary>
    public static ValueTask<bool> SendAsync(IOutbound outbound, string privacyDomain, string serverDomain, Jid account, Jid to,
        XNamespace privilegeNamespace, CancellationToken cancellationToken, params object?[] content) =>
        outbound.SendAsync(Wrap(privacyDomain, serverDomain, account, to, privilegeNamespace, content), cancellationToken);
}
