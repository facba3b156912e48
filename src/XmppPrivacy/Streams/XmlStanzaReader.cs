using System.Text;
using System.Xml;
using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Streams;

/// <summary>The attributes of the peer's <c>&lt;stream:stream&gt;</c> header.</summary>
public sealed record StreamHeader(string? Id, string? From, string? To, string DefaultNamespace);

/// <summary>
/// Reads an XMPP stream from bytes: the header, then one stanza at a time, built node by node and
/// returned at its end tag (so a stanza followed by silence is handled at once). Touches no socket:
/// it is fed any <see cref="Stream"/>. Every fault is a <see cref="StreamErrorException"/>.
/// </summary>
public sealed class XmlStanzaReader : IDisposable
{
    // Room for what the parser reads ahead of the stanza it is in.
    private const int ReadAheadSlack = 16 * 1024;

    private readonly StreamLimits _limits;
    private readonly ByteBudgetStream _budget;
    private readonly XmlReader _xml;
    private readonly BoundedNameTable _nameTable = new();
    private readonly StanzaNames _names = new();
    private readonly Func<Task<bool>> _read;
    private readonly Func<Task<string>> _value;
    private bool _headerRead;

    public XmlStanzaReader(Stream input, StreamLimits? limits = null)
    {
        _limits = limits ?? StreamLimits.Default;
        _budget = new ByteBudgetStream(input, _limits.MaxStanzaBytes + ReadAheadSlack);
        _xml = XmlReader.Create(new Utf8ChunkReader(_budget), new XmlReaderSettings
        {
            Async = true,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = false,
            IgnoreProcessingInstructions = false,
            IgnoreWhitespace = false,
            CheckCharacters = true,
            ConformanceLevel = ConformanceLevel.Document,
            MaxCharactersFromEntities = 1024,
            CloseInput = false,
            NameTable = _nameTable,
        });
        _read = _xml.ReadAsync;
        _value = _xml.GetValueAsync;
    }

    /// <summary>Bytes taken from the input so far.</summary>
    public long BytesRead => _budget.BytesRead;

    /// <summary>Reads up to and including the peer's stream header.</summary>
    public async Task<StreamHeader> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (await ReadNodeAsync(cancellationToken))
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    var encoding = _xml.GetAttribute("encoding");
                    if (encoding is not null && !encoding.Equals("UTF-8", StringComparison.OrdinalIgnoreCase))
                        throw StreamErrorException.UnsupportedEncoding();
                    break;
                case XmlNodeType.Whitespace:
                    break;
                case XmlNodeType.Element when _xml.LocalName == "stream" && _xml.NamespaceURI == Ns.Streams.NamespaceName:
                    _headerRead = true;
                    _budget.Mark();
                    return new StreamHeader(_xml.GetAttribute("id"), _xml.GetAttribute("from"), _xml.GetAttribute("to"),
                        _xml.LookupNamespace("") ?? "");
                case XmlNodeType.Element:
                    throw new StreamErrorException("invalid-namespace", "Expected a stream header.");
                default:
                    RejectRestricted();
                    throw StreamErrorException.NotWellFormed("Unexpected content before the stream header.");
            }
        }
        throw new EndOfStreamException("The peer closed the connection before its stream header.");
    }

    /// <summary>
    /// The next top-level element (a stanza, <c>handshake</c> or <c>stream:error</c>), or null when the peer
    /// closed the stream with <c>&lt;/stream:stream&gt;</c>; a closed connection is an <see cref="EndOfStreamException"/>.
    /// </summary>
    public async Task<XElement?> ReadStanzaAsync(CancellationToken cancellationToken)
    {
        if (!_headerRead) throw new InvalidOperationException("Read the stream header first.");
        XElement? root = null;
        var stack = new Stack<(XElement Element, bool Normalised)>();
        XNamespace? original = null;
        var elements = 0;
        while (await ReadNodeAsync(cancellationToken))
        {
            switch (_xml.NodeType)
            {
                case XmlNodeType.Element:
                    if (++elements > _limits.MaxElements)
                        throw StreamErrorException.PolicyViolation("Too many elements in one stanza.");
                    if (_xml.Depth > _limits.MaxDepth)
                        throw StreamErrorException.PolicyViolation("Stanza nested too deeply.");
                    if (_xml.AttributeCount > _limits.MaxAttributes)
                        throw StreamErrorException.PolicyViolation("Too many attributes on one element.");
                    XNamespace ns = _xml.NamespaceURI;
                    bool normalise;
                    if (root is null)
                    {
                        original = ns;
                        normalise = Ns.IsStanzaNamespace(ns);
                    }
                    else
                    {
                        normalise = stack.Peek().Normalised && ns == original;
                    }
                    var element = new XElement(_names.Get(normalise ? Ns.Component : ns, _xml.LocalName));
                    CopyAttributes(element);
                    var empty = _xml.IsEmptyElement;
                    if (root is null) root = element;
                    else stack.Peek().Element.Add(element);
                    if (!empty) stack.Push((element, normalise));
                    else if (stack.Count == 0) return Done(root);
                    break;
                case XmlNodeType.EndElement:
                    if (stack.Count == 0) return null; // </stream:stream>
                    stack.Pop();
                    if (stack.Count == 0) return Done(root!);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.SignificantWhitespace:
                case XmlNodeType.Whitespace:
                    // Never the Value property: a text node split across reads makes it read the rest synchronously.
                    var value = await Guard(_value, cancellationToken);
                    if (stack.Count > 0) stack.Peek().Element.Add(new XText(value));
                    // Long whitespace arrives as a Text node; it is still whitespace.
                    else if (value.AsSpan().IndexOfAnyExcept(" \t\r\n") < 0) _budget.Mark();
                    else throw StreamErrorException.NotWellFormed("Text is not allowed between stanzas.");
                    break;
                default:
                    RejectRestricted();
                    throw StreamErrorException.NotWellFormed("Unexpected XML node.");
            }
        }
        if (stack.Count > 0) throw StreamErrorException.NotWellFormed("The stream ended inside a stanza.");
        return null;
    }

    private XElement Done(XElement stanza)
    {
        _budget.Mark();
        // Names a peer invents must not outlive the stanza (BoundedNameTable, StanzaNames).
        _nameTable.Trim();
        _names.NextStanza();
        return stanza;
    }

    private void CopyAttributes(XElement element)
    {
        if (!_xml.MoveToFirstAttribute()) return;
        do
        {
            if (_xml.NamespaceURI == "http://www.w3.org/2000/xmlns/") continue; // declarations: XLinq re-derives them
            var name = _names.Get(_xml.NamespaceURI.Length == 0 ? XNamespace.None : XNamespace.Get(_xml.NamespaceURI), _xml.LocalName);
            if (element.Attribute(name) is not null)
                throw StreamErrorException.NotWellFormed("Duplicate attribute.");
            element.Add(new XAttribute(name, _xml.Value));
        } while (_xml.MoveToNextAttribute());
        _xml.MoveToElement();
    }

    private void RejectRestricted()
    {
        if (_xml.NodeType is XmlNodeType.Comment or XmlNodeType.ProcessingInstruction or XmlNodeType.DocumentType
            or XmlNodeType.EntityReference or XmlNodeType.XmlDeclaration)
            throw StreamErrorException.RestrictedXml("Comments, processing instructions and DTDs are not allowed.");
    }

    private ValueTask<bool> ReadNodeAsync(CancellationToken cancellationToken) => Guard(_read, cancellationToken);

    /// <summary>
    /// Runs one parser call and turns what the parser throws into stream errors. Most calls complete
    /// synchronously from buffered data; those cost no allocation here.
    /// </summary>
    private ValueTask<T> Guard<T>(Func<Task<T>> parse, CancellationToken cancellationToken)
    {
        Task<T> pending;
        try
        {
            pending = parse();
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            return ValueTask.FromException<T>(mapped);
        }
        return pending.IsCompletedSuccessfully ? new ValueTask<T>(pending.Result) : new ValueTask<T>(AwaitAsync(pending, cancellationToken));
    }

    private async Task<T> AwaitAsync<T>(Task<T> pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    private Exception? Map(Exception e) => e switch
    {
        XmlException when _budget.Ended => new EndOfStreamException("The peer closed the connection."),
        XmlException x when x.Message.Contains("DTD", StringComparison.Ordinal) => StreamErrorException.RestrictedXml("DTDs are not allowed."),
        XmlException => StreamErrorException.NotWellFormed("The stream is not well-formed XML."),
        DecoderFallbackException => StreamErrorException.NotWellFormed("The stream is not valid UTF-8."),
        ArgumentException { InnerException: DecoderFallbackException } => StreamErrorException.NotWellFormed("The stream is not valid UTF-8."),
        _ => null,
    };

    public void Dispose()
    {
        try
        {
            _xml.Dispose();
        }
        catch (InvalidOperationException)
        {
            // A read is still pending on a connection being torn down; closing the socket ends it.
        }
    }
}
