using System.Xml.Linq;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Tests.Support;

/// <summary>An <see cref="IOutbound"/> that keeps what it was asked to send.</summary>
internal sealed class RecordingOutbound(string domain = "privacy.localhost") : IOutbound
{
    private readonly List<XElement> _sent = [];

    public string Domain => domain;

    public IReadOnlyList<XElement> Sent
    {
        get
        {
            lock (_sent) return _sent.ToList();
        }
    }

    public ValueTask<bool> SendAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        lock (_sent) _sent.Add(stanza);
        return ValueTask.FromResult(true);
    }
}
