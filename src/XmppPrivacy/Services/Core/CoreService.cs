using System.Reflection;
using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Core;

/// <summary>
/// What every domain answers: XEP-0199 ping and XEP-0092 software version (name and version only: the
/// operating system is nobody's business), and its identity. Disco itself is the router's, built from the declarations.
/// The privacy domain says what it is to a person browsing services (<see cref="PrivacyServiceName"/>); the other
/// domains' services give their own identities.
/// </summary>
[Xep(114, "1.6", "the component protocol itself: Streams/"), Xep(30, "2.5"), Xep(199, "2.0.1"), Xep(92, "1.1")]
public sealed class CoreService(string? privacyDomain = null) : IComponentService
{
    /// <summary>The privacy domain's identity name (XEP-0030 registry: category <c>component</c>, type <c>generic</c>).</summary>
    public const string PrivacyServiceName = "Privacy service";

    public static readonly string ProductVersion =
        typeof(CoreService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public IReadOnlyCollection<string>? Domains => null;

    /// <summary>The privacy domain is the privacy service; another domain is generic only until its own service says what it is.</summary>
    private ServiceBuilder Identify(ServiceBuilder service) =>
        string.Equals(service.Domain, privacyDomain, StringComparison.OrdinalIgnoreCase)
            ? service.Identity("component", "generic", PrivacyServiceName)
            : service.FallbackIdentity("component", "generic", "XmppPrivacy");

    public void Declare(ServiceBuilder service) => Identify(service)
        .Feature(Ns.Ping.NamespaceName)
        .Feature(Ns.Version.NamespaceName)
        .Iq("get", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty))
        .Iq("get", Ns.Version + "query", (_, _) => ValueTask.FromResult(IqReply.Ok(
            new XElement(Ns.Version + "query",
                new XElement(Ns.Version + "name", "XmppPrivacy"),
                new XElement(Ns.Version + "version", ProductVersion)))));
}
