using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;

namespace XmppPrivacy.Streams;

/// <summary>What services use to send: queue a stanza on the connection of their domain.</summary>
public interface IOutbound
{
    /// <summary>The domain this connection serves.</summary>
    string Domain { get; }

    /// <summary>Queues a stanza; false when the connection is closing.</summary>
    ValueTask<bool> SendAsync(XElement stanza, CancellationToken cancellationToken = default);
}

/// <summary>The one writer loop of a connection: everything outbound goes through its bounded queue.</summary>
internal sealed class StanzaWriter(Stream output, string domain, int capacity = 1024) : IOutbound
{
    private readonly StanzaSerializer _serializer = new();
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public string Domain => domain;

    public async ValueTask<bool> SendAsync(XElement stanza, CancellationToken cancellationToken = default)
    {
        var bytes = _serializer.Serialize(stanza);
        try
        {
            await _queue.Writer.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Queues raw stream text (the header, a keepalive space, the closing tag).</summary>
    public bool TrySendRaw(string text) => _queue.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

    public ValueTask SendRawAsync(string text, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>No more writes; the loop ends once the queue is drained.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var bytes in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            if (_queue.Reader.Count == 0) await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
