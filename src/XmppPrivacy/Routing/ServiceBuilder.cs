using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>Collects one service's declarations for one domain.</summary>
public sealed class ServiceBuilder(string domain)
{
    internal readonly List<Identity> IdentityList = [];
    internal readonly List<Identity> FallbackIdentityList = [];
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
    internal readonly List<DataForm> InfoForms = [];
    internal readonly List<CommandDeclaration> CommandList = [];
    internal EntitySpaceBuilder? EntitySpace;
    internal IqHandler? PagedItemsHandler;

    /// <summary>The domain being declared for.</summary>
    public string Domain => domain;

    public ServiceBuilder Identity(string category, string type, string? name = null)
    {
        IdentityList.Add(new Identity(category, type, name));
        return this;
    }

    /// <summary>
    /// An identity the domain shows only when no service declares one (XEP-0030 wants at least one), so that a
    /// domain with a service of its own says only what that service is (<c>store/file</c>, <c>conference/text</c>).
    /// </summary>
    public ServiceBuilder FallbackIdentity(string category, string type, string? name = null)
    {
        FallbackIdentityList.Add(new Identity(category, type, name));
        return this;
    }

    public ServiceBuilder Feature(string var)
    {
        FeatureSet.Add(var);
        return this;
    }

    /// <summary>
    /// An XEP-0128 extended form in the domain's own disco#info (e.g. the upload service's <c>max-file-size</c> in a
    /// <c>urn:xmpp:http:upload:0</c> form): a result form with a hidden <c>FORM_TYPE</c>, one per form type.
    /// </summary>
    public ServiceBuilder InfoForm(DataForm form)
    {
        DiscoInfo.CheckExtendedForm(form);
        if (InfoForms.Any(f => f.FormType == form.FormType))
            throw new InvalidOperationException($"Two disco forms of type {form.FormType} on {domain}.");
        InfoForms.Add(form);
        return this;
    }

    /// <summary>
    /// Claims the domain's entity space: every bare JID with a local part on the domain (<c>room@rooms.example.org</c>)
    /// and every full JID below one (<c>room@rooms.example.org/nick</c>). Stanzas addressed there are routed to
    /// what <paramref name="declare"/> declares, and the entity's disco is answered by its handlers. One service
    /// per domain may claim it.
    /// </summary>
    public ServiceBuilder Entities(Action<EntitySpaceBuilder> declare)
    {
        if (EntitySpace is not null) throw new InvalidOperationException($"The entity space of {domain} is claimed twice.");
        EntitySpace = new EntitySpaceBuilder(domain);
        declare(EntitySpace);
        return this;
    }

    /// <summary>
    /// An XEP-0050 ad-hoc command on the domain. The router speaks the protocol: it lists the command on the
    /// commands node to those <paramref name="allowed"/>, answers its node's disco#info, sends
    /// <paramref name="form"/> (if any) on execute, reads the submitted form (required fields enforced) and
    /// hands the values to <paramref name="execute"/>, which completes the command or returns a stanza error.
    /// </summary>
    /// <param name="allowed">Who may see and run the command, by their full JID as the server stamped it.</param>
    public ServiceBuilder Command(string node, string name, Func<Jid, bool> allowed, DataForm? form, CommandHandler execute)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        if (form is not null && form.Type != "form") throw new ArgumentException("A command asks with a form of type 'form'.", nameof(form));
        if (CommandList.Any(c => c.Node == node)) throw new InvalidOperationException($"Two commands {node} on {domain}.");
        CommandList.Add(new CommandDeclaration(node, name, allowed, form, execute));
        return this;
    }

    /// <summary>Features answered for disco#info on a node (e.g. delegation nesting nodes).</summary>
    public ServiceBuilder NodeFeature(string node, string var)
    {
        if (!NodeFeatures.TryGetValue(node, out var set)) NodeFeatures[node] = set = new SortedSet<string>(StringComparer.Ordinal);
        set.Add(var);
        return this;
    }

    /// <summary>An identity answered for disco#info on a node (commands get theirs from <see cref="Command"/>).</summary>
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

    /// <summary>
    /// Answers disco#items of the domain itself (no node) with the whole request in hand, for a list too long to send
    /// at once: the handler pages it (XEP-0059 <c>&lt;set/&gt;</c> in the query) and returns the <c>&lt;query/&gt;</c>.
    /// A domain has either this or an item provider for its root node.
    /// </summary>
    public ServiceBuilder PagedItems(IqHandler handler)
    {
        if (PagedItemsHandler is not null || ItemProviders.ContainsKey(""))
            throw new InvalidOperationException($"The items of {domain} are listed twice.");
        PagedItemsHandler = handler;
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

    /// <summary>Routes messages to the domain itself by their first child known here; entities' messages are declared in <see cref="Entities"/>.</summary>
    public ServiceBuilder Message(XName child, StanzaHandler handler)
    {
        if (!MessageRoutes.TryAdd(child, handler))
            throw new InvalidOperationException($"Two handlers for message {child} on {domain}.");
        return this;
    }

    /// <summary>Routes presences to the domain itself by their first child known here; entities' presences are declared in <see cref="Entities"/>.</summary>
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
