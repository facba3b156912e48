using System.Text;
using System.Xml.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Perfolizer.Metrology;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Benchmarks;

/// <summary>
/// Per-stanza cost of the component's stream I/O, on in-memory streams (no socket):
/// <list type="bullet">
/// <item><see cref="ReadStanzas"/>: <see cref="XmlStanzaReader"/> parsing a stream header followed by
/// <see cref="N"/> ~300-byte chat messages into <see cref="XElement"/>s.</item>
/// <item><see cref="SerialiseStanzas"/>: what <see cref="StanzaWriter"/> does per stanza, inline:
/// <see cref="StanzaSerializer.Serialize"/> (one long-lived XmlWriter writing UTF-8).</item>
/// <item><see cref="StanzaWriterToStream"/>: the real <see cref="StanzaWriter"/>, queue and writer loop
/// included, into a byte-counting sink.</item>
/// </list>
/// Every benchmark handles <see cref="N"/> stanzas per invocation and declares
/// <c>OperationsPerInvoke = N</c>, so Mean and Allocated are per stanza.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BytesConfig))]
public class StreamReaderBenchmark
{
    public const int N = 10_000;

    private const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' " +
        "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='abc'>";

    private const string Footer = "</stream:stream>";

    // Ordinary chat text, one or two non-ASCII characters each.
    private static readonly string[] Bodies =
    [
        "Are we still on for lunch at the café near the station?",
        "Sure — I'll bring yesterday's notes, see you at one.",
        "Running late, the tram is stuck. Order me the soup, merci!",
        "No worries. Did you read Zoë's summary of the report?",
    ];

    private byte[] _input = [];
    private XElement[] _stanzas = [];
    private long _serialisedBytes;

    [GlobalSetup]
    public void Setup()
    {
        _input = BuildInput();

        // The reader must really hand back N stanzas of the expected shape, or the figures mean nothing.
        var stanzas = ReadAll(_input).GetAwaiter().GetResult();
        if (stanzas.Count != N)
            throw new InvalidOperationException($"The reader returned {stanzas.Count} stanzas, expected {N}.");
        var first = stanzas[0];
        if (first.Name != Ns.Component + "message"
            || (string?)first.Attribute("type") != "chat"
            || first.Element(Ns.Component + "body")?.Value != Bodies[0]
            || first.Element(XNamespace.Get("http://jabber.org/protocol/chatstates") + "active") is null
            || first.Element(XNamespace.Get("urn:xmpp:sid:0") + "origin-id")?.Attribute("id") is null)
            throw new InvalidOperationException($"The reader returned an unexpected stanza: {first}");
        _stanzas = [.. stanzas];

        // The writer paths must produce the same bytes and those must parse back to the same stanza.
        var text = Encoding.UTF8.GetString(Serialise(first));
        var reparsed = XElement.Parse(text);
        reparsed.DescendantsAndSelf().Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        if (!XNode.DeepEquals(reparsed, first))
            throw new InvalidOperationException($"Serialisation does not round-trip: {text}");
        _serialisedBytes = SerialiseStanzas();
        var written = StanzaWriterToStream().GetAwaiter().GetResult();
        if (_serialisedBytes <= 200L * N || written != _serialisedBytes)
            throw new InvalidOperationException(
                $"Writer output mismatch: serialised {_serialisedBytes} bytes, StanzaWriter wrote {written}.");
        Console.WriteLine($"// Setup: {N} stanzas, {_input.Length} input bytes ({(_input.Length - Header.Length - Footer.Length) / N} per stanza), " +
                          $"{_serialisedBytes / N} output bytes per stanza.");
    }

    [Benchmark(OperationsPerInvoke = N)]
    public async Task<int> ReadStanzas()
    {
        using var input = new MemoryStream(_input, writable: false);
        using var reader = new XmlStanzaReader(input, StreamLimits.Default);
        await reader.ReadHeaderAsync(CancellationToken.None);
        var count = 0;
        while (await reader.ReadStanzaAsync(CancellationToken.None) is not null) count++;
        return count;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long SerialiseStanzas()
    {
        long total = 0;
        foreach (var stanza in _stanzas) total += Serialise(stanza).Length;
        return total;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public async Task<long> StanzaWriterToStream()
    {
        var sink = new CountingStream();
        var writer = new StanzaWriter(sink, "privacy.localhost");
        var loop = writer.RunAsync(CancellationToken.None);
        foreach (var stanza in _stanzas)
            if (!await writer.SendAsync(stanza)) throw new InvalidOperationException("The writer refused a stanza.");
        writer.Complete();
        await loop;
        return sink.Written;
    }

    // The same serializer StanzaWriter uses for every stanza (one long-lived XmlWriter).
    private readonly StanzaSerializer _serializer = new();

    private byte[] Serialise(XElement stanza) => _serializer.Serialize(stanza);

    private static async Task<List<XElement>> ReadAll(byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        using var reader = new XmlStanzaReader(stream, StreamLimits.Default);
        var header = await reader.ReadHeaderAsync(CancellationToken.None);
        if (header.Id != "abc" || header.From != "localhost")
            throw new InvalidOperationException($"Unexpected stream header: {header}");
        var stanzas = new List<XElement>(N);
        while (await reader.ReadStanzaAsync(CancellationToken.None) is { } stanza) stanzas.Add(stanza);
        return stanzas;
    }

    private static byte[] BuildInput()
    {
        var xml = new StringBuilder(Header, Header.Length + N * 320 + Footer.Length);
        for (var i = 0; i < N; i++)
        {
            // A realistic message as a client's server would route it to the component.
            xml.Append("<message from='alice@localhost/phone' to='bob@privacy.localhost' id='msg-")
                .Append(i.ToString("D6"))
                .Append("' type='chat' xml:lang='en'><body>")
                .Append(Bodies[i % Bodies.Length])
                .Append("</body><active xmlns='http://jabber.org/protocol/chatstates'/>")
                .Append("<origin-id xmlns='urn:xmpp:sid:0' id='")
                .Append(new Guid(i, 0x3b4a, 0x4e8f, 0x9a, 0x61, 0x0c, 0x5d, 0x2e, 0x8b, 0x4f, 0x13).ToString())
                .Append("'/></message>");
        }
        xml.Append(Footer);
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    /// <summary>Allocated in plain bytes: per-stanza figures are small enough that KB hides the detail.</summary>
    private sealed class BytesConfig : ManualConfig
    {
        public BytesConfig() => SummaryStyle = SummaryStyle.Default.WithSizeUnit(SizeUnit.B);
    }

    /// <summary>A write-only sink that keeps only the byte count.</summary>
    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }

        public override void Write(byte[] buffer, int offset, int count) => Written += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
