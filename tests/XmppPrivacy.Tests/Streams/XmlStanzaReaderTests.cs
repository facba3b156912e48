using System.Text;
using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;
using static XmppPrivacy.Tests.Support.Wire;

namespace XmppPrivacy.Tests.Streams;

/// <summary>The reader on ordinary streams: header, stanzas, namespaces, framing and the end of the stream.</summary>
public sealed class XmlStanzaReaderTests
{
    private const string Chat =
        "<message from='alice@localhost/phone' to='privacy.localhost' type='chat' id='m1'>" +
        "<body xml:lang='fr'>Ça va ? € 𝄞 日本語 &lt;&amp;&gt;</body><x xmlns='urn:example:x' a='1'><y>text</y></x></message>";

    [Fact]
    public async Task Header_gives_the_stream_id_and_addresses()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("")));

        var header = await reader.ReadHeaderAsync(CancellationToken.None);

        Assert.Equal(new StreamHeader("s1", "privacy.localhost", null, "jabber:component:accept"), header);
    }

    [Fact]
    public async Task Stanzas_are_returned_in_order_in_the_component_namespace()
    {
        var stanzas = await ReadAllAsync(Stream("<iq type='get' id='1'/><presence id='2'/>" + Chat + "</stream:stream>"));

        Assert.Equal(["iq", "presence", "message"], stanzas.Select(s => s.Name.LocalName));
        Assert.All(stanzas, s => Assert.Equal(Ns.Component, s.Name.Namespace));
        Assert.Equal("Ça va ? € 𝄞 日本語 <&>", stanzas[2].Element(Ns.Component + "body")!.Value);
        Assert.Equal("fr", (string?)stanzas[2].Element(Ns.Component + "body")!.Attribute(Ns.Xml + "lang"));
    }

    [Fact]
    public async Task End_of_the_stream_returns_null()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<presence/></stream:stream>")));
        await reader.ReadHeaderAsync(CancellationToken.None);

        Assert.NotNull(await reader.ReadStanzaAsync(CancellationToken.None));
        Assert.Null(await reader.ReadStanzaAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Connection_closed_between_stanzas_is_end_of_stream()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<presence/>")));
        await reader.ReadHeaderAsync(CancellationToken.None);

        Assert.NotNull(await reader.ReadStanzaAsync(CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadStanzaAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Connection_closed_inside_a_stanza_is_end_of_stream()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<message><body>half")));
        await reader.ReadHeaderAsync(CancellationToken.None);

        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadStanzaAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Connection_closed_before_the_header_is_end_of_stream()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Utf8("<?xml version='1.0'?>")));

        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadHeaderAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Reading_a_stanza_before_the_header_is_refused()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<presence/>")));

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.ReadStanzaAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_header_in_another_namespace_is_invalid_namespace()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Utf8("<?xml version='1.0'?><stream xmlns='jabber:client'>")));

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadHeaderAsync(CancellationToken.None));

        Assert.Equal("invalid-namespace", error.Condition);
    }

    [Fact]
    public async Task Text_between_stanzas_is_not_well_formed()
    {
        var error = await StreamErrorAsync(Stream("<presence/>hello<presence/>"));

        Assert.Equal("not-well-formed", error.Condition);
    }

    [Fact]
    public async Task One_valid_stanza_then_silence_is_returned_at_once()
    {
        using var input = new ChunkedStream([Stream(Chat)], thenSilence: true);
        using var reader = new XmlStanzaReader(input);
        await reader.ReadHeaderAsync(CancellationToken.None).WaitAsync(FakeServer.Patience);

        var stanza = await reader.ReadStanzaAsync(CancellationToken.None).WaitAsync(FakeServer.Patience);

        Assert.Equal("m1", stanza?.Id());
    }

    [Fact]
    public async Task Silence_after_a_stanza_ends_with_the_reading_cancelled()
    {
        using var input = new ChunkedStream([Stream("<presence/>")], thenSilence: true);
        using var reader = new XmlStanzaReader(input);
        await reader.ReadHeaderAsync(CancellationToken.None).WaitAsync(FakeServer.Patience);
        await reader.ReadStanzaAsync(CancellationToken.None).WaitAsync(FakeServer.Patience);
        using var cancel = new CancellationTokenSource();

        var pending = reader.ReadStanzaAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(FakeServer.Patience));
    }

    [Fact]
    public async Task A_stream_split_into_one_byte_reads_gives_the_same_stanzas()
    {
        var bytes = Stream(Chat + "<iq type='result' id='€'/>" + "</stream:stream>");
        var whole = await ReadAllAsync(bytes);

        var input = ChunkedStream.OneBytePerRead(bytes);
        var split = await ReadAllAsync(input);

        Assert.True(input.Reads >= bytes.Length, "every byte came in a read of its own");
        Assert.Equal(0, input.SyncReads);
        Assert.Equal(whole.Count, split.Count);
        Assert.Equal(2, split.Count);
        for (var i = 0; i < whole.Count; i++)
        {
            Assert.True(XNode.DeepEquals(whole[i], split[i]), $"stanza {i} differs: {split[i]}");
            Assert.Equal(whole[i].ToString(), split[i].ToString());
        }
    }

    [Fact]
    public async Task Text_split_across_reads_is_read_without_blocking()
    {
        var chunks = new[] { Stream("<message><body>first half, "), Utf8("second half</body></message>"), Utf8("</stream:stream>") };
        var input = new ChunkedStream(chunks);

        var stanzas = await ReadAllAsync(input);

        Assert.Equal("first half, second half", Assert.Single(stanzas).Value);
        Assert.Equal(0, input.SyncReads);
    }

    [Fact]
    public async Task A_few_thousand_keepalive_spaces_between_two_stanzas_are_fine()
    {
        var chunks = new List<byte[]> { Stream("<presence id='1'/>") };
        chunks.AddRange(Enumerable.Repeat(Utf8(" "), 5000));
        chunks.Add(Utf8("<presence id='2'/></stream:stream>"));

        var stanzas = await ReadAllAsync(new ChunkedStream(chunks));

        Assert.Equal(["1", "2"], stanzas.Select(s => s.Id()));
    }

    [Fact]
    public async Task Keepalives_spread_over_many_stanzas_never_add_up_to_the_byte_limit()
    {
        var limits = new StreamLimits { MaxStanzaBytes = 4096 };
        var text = new StringBuilder();
        for (var i = 0; i < 100; i++) text.Append("<presence id='").Append(i).Append("'/>").Append(' ', 1000);

        var stanzas = await ReadAllAsync(Stream(text + "</stream:stream>"), limits);

        Assert.Equal(100, stanzas.Count);
    }

    [Fact]
    public async Task Megabytes_of_whitespace_between_stanzas_are_a_policy_violation()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Stream("<presence id='1'/>" + new string(' ', 8 * 1024 * 1024) + "<presence id='2'/>")));
        await reader.ReadHeaderAsync(CancellationToken.None);
        Assert.Equal("1", (await reader.ReadStanzaAsync(CancellationToken.None))?.Id());

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadStanzaAsync(CancellationToken.None));

        Assert.Equal("policy-violation", error.Condition);
        Assert.InRange(reader.BytesRead, StreamLimits.Default.MaxStanzaBytes, StreamLimits.Default.MaxStanzaBytes + 64 * 1024);
    }

    [Fact]
    public async Task A_stanza_just_under_the_byte_limit_is_accepted()
    {
        var body = new string('x', StreamLimits.Default.MaxStanzaBytes - 100);

        var stanzas = await ReadAllAsync(Stream("<message><body>" + body + "</body></message></stream:stream>"));

        Assert.Equal(body.Length, Assert.Single(stanzas).Value.Length);
    }

    [Fact]
    public async Task Stanza_bytes_are_counted_per_stanza_not_per_stream()
    {
        var limits = new StreamLimits { MaxStanzaBytes = 4096 };
        var stanza = "<message><body>" + new string('x', 3000) + "</body></message>";

        var stanzas = await ReadAllAsync(Stream(string.Concat(Enumerable.Repeat(stanza, 50)) + "</stream:stream>"), limits);

        Assert.Equal(50, stanzas.Count);
    }
}
