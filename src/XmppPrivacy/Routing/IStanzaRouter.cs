using System.Xml.Linq;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Routing;

/// <summary>What a connection hands its stanzas to.</summary>
public interface IStanzaRouter
{
    ValueTask OnConnectedAsync(IOutbound outbound, CancellationToken cancellationToken);
    ValueTask RouteAsync(XElement stanza, IOutbound outbound, CancellationToken cancellationToken);
    ValueTask OnDisconnectedAsync(string domain);

    /// <summary>Completes when no request answered beside the stanza loop is still running.</summary>
    Task IdleAsync();
}
