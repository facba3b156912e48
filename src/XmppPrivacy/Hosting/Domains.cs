using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Hosting;

/// <summary>
/// The configured domains: the XMPP server's own (<c>Component:ServerDomain</c>) and the component's service
/// domains (<c>Component:Domains:*</c>), one XEP-0114 connection each. Lower-case, as the options read them.
/// </summary>
public sealed record Domains(string Server, string Privacy, string? Upload = null, string? Rooms = null)
{
    public Domains(ComponentOptions component, DomainsOptions domains)
        : this(component.ServerDomain, domains.Privacy, domains.Upload, domains.Rooms)
    {
    }

    /// <summary>Every service domain, privacy first; a domain named twice is one connection.</summary>
    public IReadOnlyList<string> Services { get; } =
        new[] { Privacy, Upload, Rooms }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Whether a stanza was sent by the XMPP server itself (its bare domain): only the server can send from
    /// there, so this is what bridge events, delegations, privileges and watcher notices are checked against.
    /// </summary>
    public bool IsServer(Jid from) => from.IsDomain && string.Equals(from.Domain, Server, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="jid"/> is an account of the server this component serves.</summary>
    public bool IsLocalAccount(Jid jid) => jid.Local is not null && string.Equals(jid.Domain, Server, StringComparison.OrdinalIgnoreCase);
}
