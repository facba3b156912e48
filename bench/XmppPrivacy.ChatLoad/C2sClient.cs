using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace XmppPrivacy.ChatLoad;

/// <summary>
/// A minimal XMPP client-to-server connection for load generation on loopback: plain TCP (no TLS),
/// optional in-band registration (XEP-0077), SASL PLAIN, resource binding, initial presence. Inbound
/// XML is parsed with one <see cref="XmlReader"/> per stream that never reads past the end of the
/// stanza it returns (the SASL success is followed by nothing until our new stream header).
/// </summary>
internal sealed class C2sClient : IAsyncDisposable
{
    private const string SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
    private const string StreamsNs = "http://etherx.jabber.org/streams";

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private XmlReader? _reader;
    private int _nextId;

    private C2sClient(TcpClient tcp, string domain)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Domain = domain;
    }

    public string Domain { get; }

    public string Jid { get; private set; } = "";

    public static async Task<C2sClient> ConnectAsync(string host, int port, string domain, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port, cancellationToken);
        var client = new C2sClient(tcp, domain);
        await client.OpenStreamAsync(cancellationToken);
        return client;
    }

    /// <summary>In-band registration on the unauthenticated stream; an existing account (conflict) is fine.</summary>
    public async Task RegisterAsync(string user, string password, CancellationToken cancellationToken)
    {
        var answer = await IqAsync(
            $"<iq type='set' to='{Domain}' id='reg{++_nextId}'><query xmlns='jabber:iq:register'><username>{Esc(user)}</username><password>{Esc(password)}</password></query></iq>",
            $"reg{_nextId}", cancellationToken);
        if ((string?)answer.Attribute("type") == "error" && !answer.Descendants().Any(e => e.Name.LocalName == "conflict"))
            throw new InvalidOperationException($"Registering {user} failed: {answer}");
    }

    /// <summary>SASL PLAIN, stream restart, resource binding, then initial presence.</summary>
    public async Task LoginAsync(string user, string password, string resource, CancellationToken cancellationToken)
    {
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await SendAsync($"<auth xmlns='{SaslNs}' mechanism='PLAIN'>{plain}</auth>", cancellationToken);
        XElement outcome;
        do outcome = await ReadStanzaAsync(cancellationToken);
        while (outcome.Name.NamespaceName != SaslNs);
        if (outcome.Name.LocalName != "success") throw new InvalidOperationException($"SASL failed for {user}: {outcome}");
        await OpenStreamAsync(cancellationToken);
        var bound = await IqAsync(
            $"<iq type='set' id='bind{++_nextId}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{Esc(resource)}</resource></bind></iq>",
            $"bind{_nextId}", cancellationToken);
        Jid = bound.Descendants().FirstOrDefault(e => e.Name.LocalName == "jid")?.Value
            ?? throw new InvalidOperationException($"No JID bound for {user}: {bound}");
        await SendAsync("<presence/>", cancellationToken);
    }

    public async ValueTask SendAsync(string xml, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(xml), cancellationToken);

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>
    /// Reads top-level stanzas until the stream ends, calling <paramref name="onMessage"/> with the id and
    /// type of each &lt;message/&gt; as soon as its start tag is parsed. Other stanzas are skipped.
    /// </summary>
    public async Task ReadMessagesAsync(Action<string?, string?> onMessage, CancellationToken cancellationToken)
    {
        var reader = _reader ?? throw new InvalidOperationException("Not connected.");
        while (await NextTopLevelElementAsync(reader, cancellationToken))
        {
            if (reader.LocalName == "message")
                onMessage(reader.GetAttribute("id"), reader.GetAttribute("type"));
            await SkipElementAsync(reader, cancellationToken);
        }
    }

    /// <summary>
    /// Reads whole top-level stanzas until the stream ends, calling <paramref name="onStanza"/> with each (the rooms
    /// benchmark needs bodies, delays and subjects, not only the start tag).
    /// </summary>
    public async Task ReadStanzasAsync(Action<XElement> onStanza, CancellationToken cancellationToken)
    {
        var reader = _reader ?? throw new InvalidOperationException("Not connected.");
        while (await NextTopLevelElementAsync(reader, cancellationToken))
            onStanza(await ReadElementAsync(reader, cancellationToken));
    }

    private async Task OpenStreamAsync(CancellationToken cancellationToken)
    {
        await SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='{StreamsNs}' to='{Domain}' version='1.0'>",
            cancellationToken);
        _reader?.Dispose();
        _reader = XmlReader.Create(_stream, new XmlReaderSettings
        {
            Async = true,
            DtdProcessing = DtdProcessing.Prohibit,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CloseInput = false,
        });
        while (await _reader.ReadAsync().WaitAsync(cancellationToken))
        {
            if (_reader.NodeType == XmlNodeType.Element && _reader.Depth == 0)
            {
                if (_reader.LocalName != "stream" || _reader.NamespaceURI != StreamsNs)
                    throw new InvalidOperationException("Expected a stream header, got " + _reader.Name);
                break;
            }
        }
        var features = await ReadStanzaAsync(cancellationToken);
        if (features.Name != XName.Get("features", StreamsNs)) throw new InvalidOperationException("Expected stream features, got " + features);
    }

    private async Task<XElement> IqAsync(string xml, string id, CancellationToken cancellationToken)
    {
        await SendAsync(xml, cancellationToken);
        while (true)
        {
            var stanza = await ReadStanzaAsync(cancellationToken);
            if (stanza.Name.LocalName == "iq" && (string?)stanza.Attribute("id") == id) return stanza;
        }
    }

    private async Task<XElement> ReadStanzaAsync(CancellationToken cancellationToken)
    {
        var reader = _reader ?? throw new InvalidOperationException("Not connected.");
        if (!await NextTopLevelElementAsync(reader, cancellationToken)) throw new IOException("The server closed the stream.");
        if (reader.LocalName == "error" && reader.NamespaceURI == StreamsNs)
            throw new IOException("Stream error: " + await ReadElementAsync(reader, cancellationToken));
        return await ReadElementAsync(reader, cancellationToken);
    }

    private static async Task<bool> NextTopLevelElementAsync(XmlReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync().WaitAsync(cancellationToken))
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1) return true;
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == 0) return false;
        }
        return false;
    }

    /// <summary>The element the reader is on, read up to and including its end tag and no further.</summary>
    private static async Task<XElement> ReadElementAsync(XmlReader reader, CancellationToken cancellationToken)
    {
        var element = new XElement(XName.Get(reader.LocalName, reader.NamespaceURI));
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.NamespaceURI != "http://www.w3.org/2000/xmlns/")
                    element.SetAttributeValue(XName.Get(reader.LocalName, reader.NamespaceURI), reader.Value);
            }
            while (reader.MoveToNextAttribute());
            reader.MoveToElement();
        }
        if (reader.IsEmptyElement) return element;
        while (await reader.ReadAsync().WaitAsync(cancellationToken))
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    element.Add(await ReadElementAsync(reader, cancellationToken));
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                    element.Add(new XText(reader.Value));
                    break;
                case XmlNodeType.EndElement:
                    return element;
            }
        }
        throw new IOException("The stream ended inside a stanza.");
    }

    /// <summary>Consumes the element the reader is on up to its end tag, without reading past it.</summary>
    private static async Task SkipElementAsync(XmlReader reader, CancellationToken cancellationToken)
    {
        if (reader.IsEmptyElement) return;
        var depth = reader.Depth;
        while (await reader.ReadAsync().WaitAsync(cancellationToken))
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) return;
        throw new IOException("The stream ended inside a stanza.");
    }

    private static string Esc(string text) => SecurityElement.Escape(text);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.WriteAsync("</stream:stream>"u8.ToArray());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
        // Closing the socket ends the reader's pending read; the reader itself is not disposed while that read is pending.
        _tcp.Dispose();
    }
}
