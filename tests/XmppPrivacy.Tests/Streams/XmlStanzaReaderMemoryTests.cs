using System.Text;
using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;
using static XmppPrivacy.Tests.Support.Wire;

namespace XmppPrivacy.Tests.Streams;

/// <summary>
/// Names a peer invents cost nothing lasting: the reader's name table and System.Xml.Linq's process-wide
/// name tables stay bounded however many never-repeated names arrive on one long-lived connection.
/// </summary>
/// <remarks>Runs alone: the retained memory it measures is the whole process's.</remarks>
[Collection(Alone.Name)]
public sealed class XmlStanzaReaderMemoryTests
{
    [Fact]
    public async Task A_million_stanzas_with_never_repeated_names_leave_retained_memory_flat()
    {
        using var input = new UniqueNameStanzas(1_010_000);
        using var reader = new XmlStanzaReader(input);
        await reader.ReadHeaderAsync(CancellationToken.None);
        for (var i = 0; i < 10_000; i++) Assert.NotNull(await reader.ReadStanzaAsync(CancellationToken.None));
        var before = GC.GetTotalMemory(forceFullCollection: true);

        XElement? last = null;
        for (var i = 0; i < 1_000_000; i++) last = await reader.ReadStanzaAsync(CancellationToken.None);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(reader);

        // The last stanza still carries every name as sent.
        var sent = XElement.Parse(UniqueNameStanzas.Text(1_009_999).Replace("<message ", "<message xmlns='jabber:component:accept' "));
        Assert.Equal(Describe(sent), Describe(XElement.Parse(last!.ToString(SaveOptions.DisableFormatting))));
        Assert.Equal(Describe(sent), Describe(last));
        Assert.True(after - before < 4 * 1024 * 1024, $"retained memory grew by {(after - before) / 1024} KiB");
    }

    [Fact]
    public async Task Beyond_the_per_connection_allowance_new_names_still_serialise_exactly_and_known_names_still_match()
    {
        Assert.True(StanzaNames.Bounded, "this runtime lets the reader look names up without creating them");
        var text = new StringBuilder();
        for (var i = 0; i < StanzaNames.NewNamesPerConnection + 10; i++) text.Append($"<message><n{Guid.NewGuid():N}/></message>");
        text.Append("<message to='a@b'><body>hi</body><z").Append(Guid.NewGuid().ToString("N"))
            .Append(" xmlns='urn:xmpp:sid:0' q").Append(Guid.NewGuid().ToString("N")).Append("='1'/>")
            .Append("<stanza-id xmlns='urn:xmpp:sid:0' by='a@b' id='x'/></message></stream:stream>");

        var stanzas = await ReadAllAsync(new MemoryStream(Stream(text.ToString())));

        var last = stanzas[^1];
        Assert.Equal("hi", last.Element(Ns.Component + "body")?.Value);
        Assert.Equal("a@b", (string?)last.Element(XName.Get("stanza-id", "urn:xmpp:sid:0"))?.Attribute("by"));
        var reparsed = XElement.Parse(last.ToString(SaveOptions.DisableFormatting));
        var invented = reparsed.Elements().ElementAt(1);
        Assert.Equal("urn:xmpp:sid:0", invented.Name.NamespaceName);
        Assert.Equal("1", invented.Attributes().Single(a => !a.IsNamespaceDeclaration).Value);
        Assert.StartsWith("q", invented.Attributes().Single(a => !a.IsNamespaceDeclaration).Name.LocalName, StringComparison.Ordinal);
    }

    private static string Describe(XElement e) =>
        $"<{e.Name.NamespaceName}|{e.Name.LocalName}"
        + string.Concat(e.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => $" {a.Name.NamespaceName}|{a.Name.LocalName}={a.Value}"))
        + ">" + string.Concat(e.Nodes().Select(n => n is XElement child ? Describe(child) : n.ToString())) + "</>";

    /// <summary>
    /// A stream of stanzas of which each invents new names: an element in the stanza namespace, an element and
    /// an attribute in a namespace of ours (XEP-0359), a prefix, and a namespace URI of its own.
    /// </summary>
    private sealed class UniqueNameStanzas(int count) : Stream
    {
        private byte[] _pending = Utf8(Header);
        private int _offset;
        private int _next;

        public static string Text(int i) =>
            $"<message to=\"privacy.localhost\" id=\"m{i}\"><body>hi</body><u{i} /><s{i} b{i}=\"1\" xmlns=\"urn:xmpp:sid:0\" />" +
            $"<p{i}:e{i} a{i}=\"2\" xmlns:p{i}=\"urn:example:names\" /><x xmlns=\"urn:example:{i}\" /></message>";

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _pending.Length)
            {
                if (_next == count) return 0;
                _pending = Encoding.UTF8.GetBytes(Text(_next++));
                _offset = 0;
            }
            var n = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Tests that measure the whole process: run after the others, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}
