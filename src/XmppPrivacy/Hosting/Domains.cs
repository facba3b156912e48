using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Hosting;

/// <summary>
/// The configured domains: the XMPP server's own (<c>Component:ServerDomain</c>) and the component's service
/// domains (<c>Component:Domains:*</c>, and those a feature adds: <see cref="IMoreDomains"/>), one XEP-0114
/// connection each. Lower-case, as the options read them.
/// </summary>
public sealed record Domains(string Server, string Privacy, string? Upload = null, string? Rooms = null, IReadOnlyList<string>? More = null)
{
    public Domains(ComponentOptions component, DomainsOptions domains, IEnumerable<IMoreDomains>? more = null)
        : this(component.ServerDomain, domains.Privacy, domains.Upload, domains.Rooms, more?.SelectMany(m => m.Domains).ToList())
    {
    }

    /// <summary>Every service domain, privacy first; a domain named twice is one connection.</summary>
    public IReadOnlyList<string> Services { get; } =
        new[] { Privacy, Upload, Rooms }.Concat(More ?? []).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Whether a stanza was sent by the XMPP server itself (its bare domain): only the server can send from
    /// there, so this is what bridge events, delegations, privileges and watcher notices are checked against.
    /// </summary>
    public bool IsServer(Jid from) => from.IsDomain && string.Equals(from.Domain, Server, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="jid"/> is an account of the server this component serves.</summary>
    public bool IsLocalAccount(Jid jid) => jid.Local is not null && string.Equals(jid.Domain, Server, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Service domains a feature adds beyond <c>Component:Domains</c> (the upload feature's second service, such as
/// a clipboard with its own retention): each gets its own XEP-0114 connection like the others.
/// </summary>
public interface IMoreDomains
{
    IEnumerable<string> Domains { get; }
}
