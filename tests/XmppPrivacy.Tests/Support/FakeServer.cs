using System.Text;
using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Support;

/// <summary>
/// The XMPP server's side of a component connection, scripted by a test: it reads what the component
/// writes (with the component's own reader, which a test of its own covers) and writes raw text back.
/// </summary>
internal sealed class FakeServer(Stream stream) : IDisposable
{
    /// <summary>Only a guard against a hung test, never a measurement.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Prosody's style of stream id (wire-notes.md).</summary>
    public const string StreamId = "c5588699-a6f7-4fb7-bc63-6e8c399f0b6b";

    private readonly XmlStanzaReader _reader = new(stream);

    public static string Header(string? id = StreamId, string from = "privacy.localhost") =>
        "<?xml version='1.0'?><stream:stream from='" + from + "' xmlns='jabber:component:accept' " +
        "xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en'" + (id is null ? "" : " id='" + id + "'") + ">";

    public static string StreamError(string condition, string? text = null) =>
        "<stream:error><" + condition + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
        (text is null ? "" : "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" + text + "</text>") +
        "</stream:error></stream:stream>";

    public Task<StreamHeader> ReadHeaderAsync() => _reader.ReadHeaderAsync(CancellationToken.None).WaitAsync(Patience);

    /// <summary>The next element the component wrote, or null when it closed its stream.</summary>
    public Task<XElement?> ReadAsync() => _reader.ReadStanzaAsync(CancellationToken.None).WaitAsync(Patience);

    public async Task<XElement> ExpectAsync() =>
        await ReadAsync() ?? throw new Xunit.Sdk.XunitException("The component closed its stream.");

    public Task SendAsync(string text) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(Patience);

    /// <summary>Reads the component's header, answers with ours, reads the handshake and returns it (unanswered).</summary>
    public async Task<XElement> ReceiveHandshakeAsync(string? id = StreamId)
    {
        await ReadHeaderAsync();
        await SendAsync(Header(id));
        var handshake = await ExpectAsync();
        Assert.Equal(Ns.Component + "handshake", handshake.Name);
        return handshake;
    }

    /// <summary>The whole XEP-0114 opening, accepted.</summary>
    public async Task AcceptAsync()
    {
        await ReceiveHandshakeAsync();
        await SendAsync("<handshake/>");
    }

    /// <summary>A TCP close as the component sees it.</summary>
    public void Close() => stream.Dispose();

    public void Dispose()
    {
        _reader.Dispose();
        stream.Dispose();
    }
}
