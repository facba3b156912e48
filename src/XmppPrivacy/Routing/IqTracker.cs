using System.Collections.Concurrent;
using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>IQs the component sent and is waiting on; the router hands it every inbound result and error.</summary>
public sealed class IqTracker
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<XElement>> _pending = new(StringComparer.Ordinal);

    /// <summary>Sends an IQ get/set from one of our domains and waits for its result or error stanza.</summary>
    public async Task<XElement> SendAsync(IOutbound outbound, XElement iq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = iq.Id() ?? throw new ArgumentException("The IQ needs an id.", nameof(iq));
        // Keyed by the sending domain: the answer may come back on another connection (ejabberd).
        var key = Key(iq.From()?.Domain ?? outbound.Domain, id, iq.To());
        var answer = new TaskCompletionSource<XElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer)) throw new InvalidOperationException("An IQ with this id is already pending.");
        try
        {
            if (!await outbound.SendAsync(iq, cancellationToken)) throw new OperationCanceledException("The connection is closing.");
            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>True when <paramref name="iq"/> (a result or error) addressed to our <paramref name="domain"/> answered one of ours.</summary>
    public bool TryComplete(string domain, XElement iq) =>
        iq.Id() is { } id && _pending.TryRemove(Key(domain, id, iq.From()), out var pending) && pending.TrySetResult(iq);

    /// <summary>Fails every IQ waiting on a connection that went away.</summary>
    public void CancelDomain(string domain)
    {
        foreach (var (key, pending) in _pending)
            if (key.StartsWith(domain + "\n", StringComparison.Ordinal) && _pending.TryRemove(key, out _))
                pending.TrySetCanceled();
    }

    private static string Key(string domain, string id, Jid? peer) => domain + "\n" + id + "\n" + peer?.ToString();
}
