using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>An IQ get/set addressed to one of our domains, with its single payload element.</summary>
public sealed record IqRequest(XElement Stanza, XElement Payload, Jid From, Jid To, IOutbound Outbound);

/// <summary>A message or presence addressed to one of our domains, with the child it was routed by.</summary>
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

/// <summary>Collects one service's declarations for one domain.</summary>
public sealed class ServiceBuilder(string domain)
{
    internal readonly List<Identity> IdentityList = [];
    internal readonly SortedSet<string> FeatureSet = new(StringComparer.Ordinal);
    internal readonly Dictionary<(string Type, XName Child), IqHandler> IqRoutes = [];
    internal readonly Dictionary<(string Type, XName Child), IqHandler> DelegatedRoutes = [];
    internal readonly List<(string Namespace, string Feature)> DelegatedFeatureList = [];
    internal readonly Dictionary<XName, StanzaHandler> MessageRoutes = [];
    internal readonly Dictionary<XName, StanzaHandler> PresenceRoutes = [];
    internal readonly List<ConnectedHandler> ConnectedHandlers = [];
    internal readonly Dictionary<string, SortedSet<string>> NodeFeatures = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, List<Identity>> NodeIdentities = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, Func<Jid, IEnumerable<XElement>>> ItemProviders = new(StringComparer.Ordinal);

    /// <summary>The domain being declared for.</summary>
    public string Domain => domain;

    public ServiceBuilder Identity(string category, string type, string? name = null)
    {
        IdentityList.Add(new Identity(category, type, name));
        return this;
    }

    public ServiceBuilder Feature(string var)
    {
        FeatureSet.Add(var);
        return this;
    }

    /// <summary>Features answered for disco#info on a node (e.g. delegation nesting nodes).</summary>
    public ServiceBuilder NodeFeature(string node, string var)
    {
        if (!NodeFeatures.TryGetValue(node, out var set)) NodeFeatures[node] = set = new SortedSet<string>(StringComparer.Ordinal);
        set.Add(var);
        return this;
    }

    /// <summary>An identity answered for disco#info on a node (e.g. an ad-hoc command).</summary>
    public ServiceBuilder NodeIdentity(string node, string category, string type, string? name = null)
    {
        if (!NodeIdentities.TryGetValue(node, out var list)) NodeIdentities[node] = list = [];
        list.Add(new Identity(category, type, name));
        NodeFeatures.TryAdd(node, new SortedSet<string>(StringComparer.Ordinal));
        return this;
    }

    /// <summary>What disco#items on <paramref name="node"/> lists for the asking JID (items may depend on who asks).</summary>
    public ServiceBuilder Items(string node, Func<Jid, IEnumerable<XElement>> items)
    {
        if (!ItemProviders.TryAdd(node, items)) throw new InvalidOperationException($"Two item providers for node {node} on {domain}.");
        return this;
    }

    /// <summary>Routes IQs of <paramref name="type"/> (get or set) whose payload is <paramref name="child"/>.</summary>
    public ServiceBuilder Iq(string type, XName child, IqHandler handler)
    {
        if (type is not ("get" or "set")) throw new ArgumentException("IQ routes are for get or set.", nameof(type));
        if (!IqRoutes.TryAdd((type, child), handler))
            throw new InvalidOperationException($"Two handlers for iq {type} {child} on {domain}.");
        return this;
    }

    /// <summary>
    /// Routes IQs that the server delegates to us (XEP-0355): IQs a local user sent to their own account,
    /// unwrapped from the server's <c>&lt;delegation/&gt;</c>; the reply is wrapped back. The request's From is
    /// the user's full JID and To their bare JID, both as the server stamped them. The nesting disco nodes
    /// are answered from these declarations.
    /// </summary>
    public ServiceBuilder DelegatedIq(string type, XName child, IqHandler handler)
    {
        if (type is not ("get" or "set")) throw new ArgumentException("IQ routes are for get or set.", nameof(type));
        if (!DelegatedRoutes.TryAdd((type, child), handler))
            throw new InvalidOperationException($"Two handlers for delegated iq {type} {child} on {domain}.");
        return this;
    }

    /// <summary>
    /// A feature of a delegated namespace beyond the namespace itself (e.g. <c>urn:xmpp:mam:2#extended</c>),
    /// answered on its XEP-0355 nesting nodes so that the server advertises it on the user's account.
    /// </summary>
    public ServiceBuilder DelegatedFeature(string delegatedNamespace, string var)
    {
        DelegatedFeatureList.Add((delegatedNamespace, var));
        return this;
    }

    public ServiceBuilder Message(XName child, StanzaHandler handler)
    {
        if (!MessageRoutes.TryAdd(child, handler))
            throw new InvalidOperationException($"Two handlers for message {child} on {domain}.");
        return this;
    }

    public ServiceBuilder Presence(XName child, StanzaHandler handler)
    {
        if (!PresenceRoutes.TryAdd(child, handler))
            throw new InvalidOperationException($"Two handlers for presence {child} on {domain}.");
        return this;
    }

    /// <summary>Called each time the domain's connection is authenticated.</summary>
    public ServiceBuilder OnConnected(ConnectedHandler handler)
    {
        ConnectedHandlers.Add(handler);
        return this;
    }
}
