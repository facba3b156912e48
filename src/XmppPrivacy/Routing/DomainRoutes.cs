using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>Everything the services declared for one domain, merged; disco replies are built from it.</summary>
internal sealed class DomainRoutes
{
    public required string Domain { get; init; }
    public List<Identity> Identities { get; } = [];
    public SortedSet<string> Features { get; } = new(StringComparer.Ordinal);
    public List<DataForm> InfoForms { get; } = [];
    public Dictionary<(string Type, XName Child), IqHandler> Iq { get; } = [];
    public Dictionary<(string Type, XName Child), IqHandler> Delegated { get; } = [];
    public Dictionary<XName, StanzaHandler> Messages { get; } = [];
    public Dictionary<XName, StanzaHandler> Presences { get; } = [];
    public List<ConnectedHandler> Connected { get; } = [];
    public Dictionary<string, SortedSet<string>> NodeFeatures { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<Identity>> NodeIdentities { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Func<Jid, IEnumerable<XElement>>> ItemProviders { get; } = new(StringComparer.Ordinal);

    /// <summary>The handler that pages the domain's own disco#items (see <see cref="ServiceBuilder.PagedItems"/>); null when none did.</summary>
    public IqHandler? PagedItems { get; private set; }

    /// <summary>What the one service that claimed the domain's entity space declared for it; null when none did.</summary>
    public EntitySpaceBuilder? Entities { get; private set; }

    public static DomainRoutes Build(string domain, IEnumerable<IComponentService> services)
    {
        var routes = new DomainRoutes { Domain = domain };
        var delegatedFeatures = new List<(string Namespace, string Feature)>();
        var commands = new List<CommandDeclaration>();
        string? entityOwner = null;
        var fallbackIdentities = new List<Identity>();
        foreach (var service in services.Where(s => s.Domains is null || s.Domains.Contains(domain)))
        {
            var builder = new ServiceBuilder(domain);
            service.Declare(builder);
            routes.Identities.AddRange(builder.IdentityList);
            fallbackIdentities.AddRange(builder.FallbackIdentityList);
            routes.Features.UnionWith(builder.FeatureSet);
            foreach (var form in builder.InfoForms)
            {
                if (routes.InfoForms.Any(f => f.FormType == form.FormType))
                    throw new InvalidOperationException($"Two services publish a disco form of type {form.FormType} on {domain}.");
                routes.InfoForms.Add(form);
            }
            foreach (var (key, handler) in builder.IqRoutes)
                if (!routes.Iq.TryAdd(key, handler))
                    throw new InvalidOperationException($"Two services route iq {key.Type} {key.Child} on {domain}.");
            foreach (var (key, handler) in builder.DelegatedRoutes)
                if (!routes.Delegated.TryAdd(key, handler))
                    throw new InvalidOperationException($"Two services route delegated iq {key.Type} {key.Child} on {domain}.");
            foreach (var (key, handler) in builder.MessageRoutes)
                if (!routes.Messages.TryAdd(key, handler))
                    throw new InvalidOperationException($"Two services route message {key} on {domain}.");
            foreach (var (key, handler) in builder.PresenceRoutes)
                if (!routes.Presences.TryAdd(key, handler))
                    throw new InvalidOperationException($"Two services route presence {key} on {domain}.");
            routes.Connected.AddRange(builder.ConnectedHandlers);
            delegatedFeatures.AddRange(builder.DelegatedFeatureList);
            foreach (var (node, identities) in builder.NodeIdentities)
            {
                if (!routes.NodeIdentities.TryGetValue(node, out var list)) routes.NodeIdentities[node] = list = [];
                list.AddRange(identities);
            }
            if (builder.PagedItemsHandler is { } paged)
            {
                if (routes.PagedItems is not null) throw new InvalidOperationException($"Two services page the items of {domain}.");
                routes.PagedItems = paged;
            }
            foreach (var (node, provider) in builder.ItemProviders)
                if (!routes.ItemProviders.TryAdd(node, provider))
                    throw new InvalidOperationException($"Two services list items of node {node} on {domain}.");
            foreach (var (node, features) in builder.NodeFeatures)
            {
                if (!routes.NodeFeatures.TryGetValue(node, out var set)) routes.NodeFeatures[node] = set = new(StringComparer.Ordinal);
                set.UnionWith(features);
            }
            foreach (var command in builder.CommandList)
            {
                if (commands.Any(c => c.Node == command.Node))
                    throw new InvalidOperationException($"Two services declare the command {command.Node} on {domain}.");
                commands.Add(command);
            }
            if (builder.EntitySpace is { } space)
            {
                if (entityOwner is not null)
                    throw new InvalidOperationException($"Both {entityOwner} and {service.GetType().Name} claim the entities of {domain}.");
                entityOwner = service.GetType().Name;
                routes.Entities = space;
            }
        }
        // XEP-0355 nesting nodes: the server asks which features of a delegated namespace we handle.
        var extra = delegatedFeatures.ToLookup(f => f.Namespace, f => f.Feature, StringComparer.Ordinal);
        foreach (var ns in routes.Delegated.Keys.Select(k => k.Child.NamespaceName).Distinct(StringComparer.Ordinal))
            foreach (var prefix in new[] { Ns.Delegation2.NamespaceName, Ns.Delegation1.NamespaceName })
                foreach (var node in new[] { $"{prefix}::{ns}", $"{prefix}:bare:{ns}" })
                {
                    if (!routes.NodeFeatures.TryGetValue(node, out var set)) routes.NodeFeatures[node] = set = new(StringComparer.Ordinal);
                    set.Add(ns);
                    set.UnionWith(extra[ns]);
                }
        if (commands.Count > 0) routes.AddCommands(new Commands(domain, commands));
        if (routes.Identities.Count == 0) routes.Identities.AddRange(fallbackIdentities);
        // Disco is the router's own: it is derived from the declarations above.
        routes.Features.Add(Ns.DiscoInfo.NamespaceName);
        routes.Features.Add(Ns.DiscoItems.NamespaceName);
        if (routes.PagedItems is not null && routes.ItemProviders.ContainsKey(""))
            throw new InvalidOperationException($"The items of {domain} are both paged and listed.");
        return routes;
    }

    /// <summary>XEP-0050 from the command declarations: the feature, the commands node, each command's node and the IQ.</summary>
    private void AddCommands(Commands commands)
    {
        var node = Ns.Commands.NamespaceName;
        Features.Add(node);
        if (!ItemProviders.TryAdd(node, commands.Items))
            throw new InvalidOperationException($"The commands node of {Domain} is listed by a service and by command declarations.");
        if (!Iq.TryAdd(("set", Ns.Commands + "command"), commands.ExecuteAsync))
            throw new InvalidOperationException($"Commands on {Domain} are routed by a service and by command declarations.");
        foreach (var command in commands.Declared)
        {
            if (NodeIdentities.ContainsKey(command.Node) || NodeFeatures.ContainsKey(command.Node))
                throw new InvalidOperationException($"The node {command.Node} of {Domain} is declared twice.");
            NodeIdentities[command.Node] = [new Identity("automation", "command-node", command.Name)];
            NodeFeatures[command.Node] = new SortedSet<string>(StringComparer.Ordinal) { node, Ns.DataForms.NamespaceName };
        }
    }

    /// <summary>disco#info of the domain, or of one of its declared nodes (without the domain's forms).</summary>
    public XElement DiscoInfo(string? node) => node is null
        ? new DiscoInfo(Identities, Features) { Forms = InfoForms }.ToQuery()
        : new DiscoInfo(NodeIdentities.GetValueOrDefault(node) ?? [], NodeFeatures[node]).ToQuery(node);

    /// <summary>disco#items: the items a service lists on the node for this asker; unknown nodes are item-not-found.</summary>
    public IqReply DiscoItems(string? node, Jid asker)
    {
        var query = new XElement(Ns.DiscoItems + "query", node is null ? null : new XAttribute("node", node));
        if (node is not null && !ItemProviders.ContainsKey(node) && !NodeFeatures.ContainsKey(node))
            return StanzaError.ItemNotFound("No such node.");
        if (ItemProviders.TryGetValue(node ?? "", out var items)) query.Add(items(asker));
        return IqReply.Ok(query);
    }
}
