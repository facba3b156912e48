using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>An IQ get/set addressed to one of our domains or an entity on one, with its single payload element.</summary>
public sealed record IqRequest(XElement Stanza, XElement Payload, Jid From, Jid To, IOutbound Outbound);

/// <summary>A message or presence addressed to one of our domains or an entity on one, with the child it was routed by (if any).</summary>
public sealed record StanzaRequest(XElement Stanza, XElement? Payload, Jid From, Jid To, IOutbound Outbound);

/// <summary>What an IQ handler returns: a result (with an optional payload) or a stanza error.</summary>
public readonly record struct IqReply(XElement? Payload, StanzaError? Error)
{
    public static IqReply Empty => new(null, null);
    public static IqReply Ok(XElement? payload) => new(payload, null);
    public static implicit operator IqReply(StanzaError error) => new(null, error);
}

public delegate ValueTask<IqReply> IqHandler(IqRequest request, CancellationToken cancellationToken);
public delegate ValueTask StanzaHandler(StanzaRequest request, CancellationToken cancellationToken);
public delegate ValueTask ConnectedHandler(IOutbound outbound, CancellationToken cancellationToken);

/// <summary>
/// Handles a message or presence addressed to an entity (a bare or full JID on the domain). A returned error is
/// sent by the router, unless the stanza is itself an error: the router alone answers with errors.
/// </summary>
public delegate ValueTask<StanzaError?> EntityStanzaHandler(StanzaRequest request, CancellationToken cancellationToken);

/// <summary>disco#info of an entity, for <paramref name="asker"/>, on <paramref name="node"/> (or none): null when there is no such entity or node.</summary>
public delegate ValueTask<DiscoInfo?> EntityInfoHandler(Jid to, Jid asker, string? node, CancellationToken cancellationToken);

/// <summary>disco#items of an entity, for <paramref name="asker"/>, on <paramref name="node"/> (or none): null when there is no such entity or node.</summary>
public delegate ValueTask<IReadOnlyList<DiscoItem>?> EntityItemsHandler(Jid to, Jid asker, string? node, CancellationToken cancellationToken);

/// <summary>A disco identity (XEP-0030).</summary>
public sealed record Identity(string Category, string Type, string? Name = null);

/// <summary>
/// A feature of the component: it declares what it offers on which domain, and the router builds disco
/// replies and routes from the declarations. Adding a feature means one class and one catalogue line.
/// </summary>
public interface IComponentService
{
    /// <summary>The domains this service is on; null means every domain.</summary>
    IReadOnlyCollection<string>? Domains { get; }

    void Declare(ServiceBuilder service);
}
