using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>Everything the services declared for one domain, merged; disco replies are built from it.</summary>
internal sealed class DomainRoutes
{
    public required string Domain { get; init; }
    public List<Identity> Identities { get; } = [];
    public SortedSet<string> Features { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Type, XName Child), IqHandler> Iq { get; } = [];
    public Dictionary<(string Type, XName Child), IqHandler> Delegated { get; } = [];
    public Dictionary<XName, StanzaHandler> Messages { get; } = [];
    public Dictionary<XName, StanzaHandler> Presences { get; } = [];
    public List<ConnectedHandler> Connected { get; } = [];
    public Dictionary<string, SortedSet<string>> NodeFeatures { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, List<Identity>> NodeIdentities { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Func<Jid, IEnumerable<XElement>>> ItemProviders { get; } = new(StringComparer.Ordinal);

    public static DomainRoutes Build(string domain, IEnumerable<IComponentService> services)
    {
        var routes = new DomainRoutes { Domain = domain };
        var delegatedFeatures = new List<(string Namespace, string Feature)>();
        foreach (var service in services.Where(s => s.Domains is null || s.Domains.Contains(domain)))
        {
            var builder = new ServiceBuilder(domain);
            service.Declare(builder);
            routes.Identities.AddRange(builder.IdentityList);
            routes.Features.UnionWith(builder.FeatureSet);
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
            foreach (var (node, provider) in builder.ItemProviders)
                if (!routes.ItemProviders.TryAdd(node, provider))
                    throw new InvalidOperationException($"Two services list items of node {node} on {domain}.");
            foreach (var (node, features) in builder.NodeFeatures)
            {
                if (!routes.NodeFeatures.TryGetValue(node, out var set)) routes.NodeFeatures[node] = set = new(StringComparer.Ordinal);
                set.UnionWith(features);
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
        // Disco is the router's own: it is derived from the declarations above.
        routes.Features.Add(Ns.DiscoInfo.NamespaceName);
        routes.Features.Add(Ns.DiscoItems.NamespaceName);
        return routes;
    }

    public XElement DiscoInfo(string? node)
    {
        var query = new XElement(Ns.DiscoInfo + "query");
        if (node is not null)
        {
            query.SetAttributeValue("node", node);
            foreach (var identity in NodeIdentities.GetValueOrDefault(node) ?? [])
                query.Add(IdentityElement(identity));
            foreach (var var in NodeFeatures[node]) query.Add(new XElement(Ns.DiscoInfo + "feature", new XAttribute("var", var)));
            return query;
        }
        foreach (var identity in Identities) query.Add(IdentityElement(identity));
        foreach (var var in Features) query.Add(new XElement(Ns.DiscoInfo + "feature", new XAttribute("var", var)));
        return query;
    }

    /// <summary>disco#items: the items a service lists on the node for this asker; unknown nodes are item-not-found.</summary>
    public IqReply DiscoItems(string? node, Jid asker)
    {
        var query = new XElement(Ns.DiscoItems + "query", node is null ? null : new XAttribute("node", node));
        if (node is not null && !ItemProviders.ContainsKey(node) && !NodeFeatures.ContainsKey(node))
            return StanzaError.ItemNotFound("No such node.");
        if (ItemProviders.TryGetValue(node ?? "", out var items)) query.Add(items(asker));
        return IqReply.Ok(query);
    }

    private static XElement IdentityElement(Identity identity) =>
        new(Ns.DiscoInfo + "identity",
            new XAttribute("category", identity.Category), new XAttribute("type", identity.Type),
            identity.Name is null ? null : new XAttribute("name", identity.Name));
}
