using System.Collections.Immutable;
using System.Xml.Linq;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Delegation;

/// <summary>What the server said it delegates to us (XEP-0355) and lets us do (XEP-0356).</summary>
public sealed record DelegationState(ImmutableSortedSet<string> Namespaces, ImmutableSortedSet<string> Privileges)
{
    /// <summary>The XEP-0356 namespace the server advertised (2 on Prosody, 1 on ejabberd); 2 until told.</summary>
    public XNamespace PrivilegeNamespace { get; init; } = Ns.Privilege2;
}

/// <summary>
/// Records the server's delegation and privilege advertisements (Prosody sends version 2 once per
/// connection, ejabberd version 1) for /health. The delegated IQs themselves are routed by the
/// <see cref="Router"/> to the services that declared them.
/// </summary>
[Xep(355, "0.4.2", "namespace delegation, versions 1 and 2"), Xep(356, "0.4.1", "roster get (archiving policy roster), message outgoing (archive results)")]
public sealed class DelegationService(Domains domains) : IComponentService
{
    private volatile DelegationState _state = new([], []);

    public DelegationState State => _state;

    IReadOnlyCollection<string>? IComponentService.Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .Message(Ns.Delegation2 + "delegation", OnDelegationAsync)
        .Message(Ns.Delegation1 + "delegation", OnDelegationAsync)
        .Message(Ns.Privilege2 + "privilege", OnPrivilegeAsync)
        .Message(Ns.Privilege1 + "privilege", OnPrivilegeAsync);

    private ValueTask OnDelegationAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (FromServer(request))
        {
            var delegated = request.Payload!.Elements(request.Payload.Name.Namespace + "delegated")
                .Select(d => (string?)d.Attribute("namespace")).OfType<string>();
            _state = _state with { Namespaces = _state.Namespaces.Union(delegated) };
        }
        return ValueTask.CompletedTask;
    }

    private ValueTask OnPrivilegeAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        // Prosody also sends an empty <privilege/> to users on initial presence; only the server's counts.
        if (FromServer(request) && request.Payload!.Elements(request.Payload.Name.Namespace + "perm").Any())
        {
            var perms = request.Payload.Elements(request.Payload.Name.Namespace + "perm")
                .Select(p => $"{(string?)p.Attribute("access")}:{(string?)p.Attribute("type")}");
            _state = _state with { Privileges = [.. perms], PrivilegeNamespace = request.Payload.Name.Namespace };
        }
        return ValueTask.CompletedTask;
    }

    private bool FromServer(StanzaRequest request) => domains.IsServer(request.From);
}
