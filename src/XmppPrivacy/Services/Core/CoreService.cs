using System.Reflection;
using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Core;

/// <summary>
/// What every domain answers: XEP-0199 ping and XEP-0092 software version (name and version only: the
/// operating system is nobody's business). Disco itself is the router's, built from the declarations.
/// </summary>
[Xep(114, "1.6", "the component protocol itself: Streams/"), Xep(30, "2.5"), Xep(199, "2.0.1"), Xep(92, "1.1")]
public sealed class CoreService : IComponentService
{
    public static readonly string ProductVersion =
        typeof(CoreService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public IReadOnlyCollection<string>? Domains => null;

    public void Declare(ServiceBuilder service) => service
        .Identity("component", "generic", "XmppPrivacy")
        .Feature(Ns.Ping.NamespaceName)
        .Feature(Ns.Version.NamespaceName)
        .Iq("get", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty))
        .Iq("get", Ns.Version + "query", (_, _) => ValueTask.FromResult(IqReply.Ok(
            new XElement(Ns.Version + "query",
                new XElement(Ns.Version + "name", "XmppPrivacy"),
                new XElement(Ns.Version + "version", ProductVersion)))));
}
