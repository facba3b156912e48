using System.Xml.Linq;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Routing;

/// <summary>What a connection hands its stanzas to.</summary>
public interface IStanzaRouter
{
    ValueTask OnConnectedAsync(IOutbound outbound, CancellationToken cancellationToken);
    ValueTask RouteAsync(XElement stanza, IOutbound outbound, CancellationToken cancellationToken);

    /// <summary>
    /// True when <paramref name="stanza"/> is the result or error of an IQ we sent and is now delivered to
    /// its waiter. Called by the read loop before queueing, so a handler may wait for an answer that arrives
    /// on its own connection.
    /// </summary>
    bool TryCompleteReply(XElement stanza, string domain);
    ValueTask OnDisconnectedAsync(string domain);

    /// <summary>Completes when no request answered beside the stanza loop is still running.</summary>
    Task IdleAsync();
}
