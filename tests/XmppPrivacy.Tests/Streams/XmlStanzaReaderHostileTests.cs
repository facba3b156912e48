using System.Net;
using System.Net.Sockets;
using System.Text;
using XmppPrivacy.Streams;
using static XmppPrivacy.Tests.Support.Wire;

namespace XmppPrivacy.Tests.Streams;

/// <summary>
/// Rows of "The XML stream" in hostile-inputs.md about what the XML may contain: DTDs, entities, comments,
/// processing instructions, encodings and well-formedness. Sizes and prefixes have their own classes.
/// </summary>
public sealed class XmlStanzaReaderHostileTests
{
    private const string LaughsDtd =
        "<!DOCTYPE lolz [<!ENTITY lol 'lol'>" +
        "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>" +
        "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>" +
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>" +
        "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>" +
        "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>" +
        "<!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>" +
        "<!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>" +
        "<!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>" +
        "<!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>]>";

    private const string StreamOpen =
        "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='s1'>";

    // DOCTYPE, entities ---------------------------------------------------------------------------------

    [Fact]
    public async Task Billion_laughs_DOCTYPE_in_the_header_is_restricted_xml()
    {
        var error = await StreamErrorAsync(Utf8("<?xml version='1.0'?>" + LaughsDtd + StreamOpen + "<message><body>&lol9;</body></message>"));

        Assert.Equal("restricted-xml", error.Condition);
    }

    [Theory]
    [InlineData("between stanzas", "<presence/>" + LaughsDtd + "<message><body>&lol9;</body></message>")]
    [InlineData("inside a stanza", "<message>" + LaughsDtd + "<body>&lol9;</body></message>")]
    public async Task Billion_laughs_DOCTYPE_mid_stream_is_refused(string where, string afterHeader)
    {
        var error = await StreamErrorAsync(Stream(afterHeader));

        Assert.True(error.Condition is "restricted-xml" or "not-well-formed", $"{where}: {error.Condition}");
    }

    [Fact]
    public async Task An_entity_the_stream_never_declared_is_not_well_formed()
    {
        var error = await StreamErrorAsync(Stream("<message><body>&lol9;</body></message>"));

        Assert.Equal("not-well-formed", error.Condition);
    }

    [Fact]
    public async Task External_file_entity_is_refused_without_reading_the_file()
    {
        using var directory = new Support.TempDirectory();
        var secretFile = directory.File("passwd");
        await File.WriteAllTextAsync(secretFile, "root:x:0:0:root:/root:/bin/bash");
        var dtd = $"<!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM 'file://{secretFile}'>]>";
        var bytes = Utf8("<?xml version='1.0'?>" + dtd + StreamOpen + "<message><body>&xxe;</body></message>");

        var error = await StreamErrorAsync(bytes);

        Assert.Equal("restricted-xml", error.Condition);
        Assert.DoesNotContain("root:x", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task External_etc_passwd_entity_mid_stream_is_refused()
    {
        var error = await StreamErrorAsync(Stream(
            "<!DOCTYPE m [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><message><body>&xxe;</body></message>"));

        Assert.True(error.Condition is "restricted-xml" or "not-well-formed", error.Condition);
    }

    [Theory]
    [InlineData("in the header")]
    [InlineData("mid-stream")]
    public async Task External_http_entity_is_refused_without_connecting(string where)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var dtd = $"<!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM 'http://127.0.0.1:{port}/xxe'>]>";
        var bytes = where == "in the header"
            ? Utf8("<?xml version='1.0'?>" + dtd + StreamOpen + "<message><body>&xxe;</body></message>")
            : Stream(dtd + "<message><body>&xxe;</body></message>");

        var error = await StreamErrorAsync(bytes);

        Assert.True(error.Condition is "restricted-xml" or "not-well-formed", error.Condition);
        Assert.False(listener.Pending(), "the reader connected to the entity's URL");
    }

    // Comments and processing instructions ---------------------------------------------------------------

    [Theory]
    [InlineData("<message><!-- hidden --><body>hi</body></message>")]
    [InlineData("<message><body>h<!-- hidden -->i</body></message>")]
    [InlineData("<message><?php echo 1; ?><body>hi</body></message>")]
    [InlineData("<message><x xmlns='urn:example:x'><?pi data?></x></message>")]
    [InlineData("<presence/><!-- between stanzas --><presence/>")]
    [InlineData("<presence/><?pi between stanzas?><presence/>")]
    public async Task Comment_or_processing_instruction_is_a_restricted_xml_stream_error(string afterHeader)
    {
        var error = await StreamErrorAsync(Stream(afterHeader));

        Assert.Equal("restricted-xml", error.Condition);
    }

    [Fact]
    public async Task Comment_before_the_header_is_restricted_xml()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Utf8("<?xml version='1.0'?><!-- hi -->" + StreamOpen)));

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadHeaderAsync(CancellationToken.None));

        Assert.Equal("restricted-xml", error.Condition);
    }

    // Encodings ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("UTF-16LE with BOM")]
    [InlineData("UTF-16BE with BOM")]
    [InlineData("UTF-16LE without BOM")]
    public async Task UTF_16_is_unsupported_encoding(string form)
    {
        var text = Support.Wire.Header + "<presence/>";
        var bytes = form switch
        {
            "UTF-16LE with BOM" => Concat(new byte[] { 0xFF, 0xFE }, Encoding.Unicode.GetBytes(text)),
            "UTF-16BE with BOM" => Concat(new byte[] { 0xFE, 0xFF }, Encoding.BigEndianUnicode.GetBytes(text)),
            _ => Encoding.BigEndianUnicode.GetBytes(text),
        };

        var error = await StreamErrorAsync(bytes);

        Assert.Equal("unsupported-encoding", error.Condition);
    }

    [Theory]
    [InlineData("ISO-8859-1")]
    [InlineData("UTF-16")]
    [InlineData("windows-1252")]
    public async Task Declared_encoding_other_than_UTF_8_is_unsupported_encoding(string encoding)
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Utf8($"<?xml version='1.0' encoding='{encoding}'?>" + StreamOpen)));

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => reader.ReadHeaderAsync(CancellationToken.None));

        Assert.Equal("unsupported-encoding", error.Condition);
    }

    [Fact]
    public async Task Declared_UTF_8_is_accepted()
    {
        using var reader = new XmlStanzaReader(new MemoryStream(Utf8("<?xml version='1.0' encoding='utf-8'?>" + StreamOpen)));

        var header = await reader.ReadHeaderAsync(CancellationToken.None);

        Assert.Equal("s1", header.Id);
    }

    [Theory]
    [InlineData("overlong solidus", new byte[] { 0xC0, 0xAF })]
    [InlineData("lone continuation byte", new byte[] { 0x80 })]
    [InlineData("encoded surrogate", new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData("truncated sequence", new byte[] { 0xE2, 0x82 })]
    [InlineData("byte never valid", new byte[] { 0xFF })]
    public async Task Invalid_UTF_8_is_not_well_formed(string what, byte[] invalid)
    {
        var bytes = Concat(Stream("<message><body>a"), invalid, Utf8("b</body></message></stream:stream>"));

        var error = await StreamErrorAsync(bytes);

        Assert.True(error.Condition == "not-well-formed", $"{what}: {error.Condition}");
    }

    [Fact]
    public async Task Invalid_UTF_8_in_one_byte_reads_is_not_well_formed()
    {
        var bytes = Concat(Stream("<message><body>a"), new byte[] { 0xED, 0xA0, 0x80 }, Utf8("b</body></message></stream:stream>"));

        var error = await Assert.ThrowsAsync<StreamErrorException>(() => ReadAllAsync(Support.ChunkedStream.OneBytePerRead(bytes)));

        Assert.Equal("not-well-formed", error.Condition);
    }

    [Fact]
    public async Task A_control_character_reference_is_not_well_formed()
    {
        var error = await StreamErrorAsync(Stream("<message><body>&#0;</body></message>"));

        Assert.Equal("not-well-formed", error.Condition);
    }

    // Well-formedness -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("<message><body>hi</bdy></message>")]
    [InlineData("<message><body>hi</message></body>")]
    [InlineData("<message></presence>")]
    [InlineData("<message a='1' a='2'/>")]
    [InlineData("<message><body>a < b</body></message>")]
    [InlineData("<p:message xmlns:q='urn:q'/>")]
    public async Task Malformed_xml_is_not_well_formed(string afterHeader)
    {
        var error = await StreamErrorAsync(Stream(afterHeader));

        Assert.Equal("not-well-formed", error.Condition);
    }
}
