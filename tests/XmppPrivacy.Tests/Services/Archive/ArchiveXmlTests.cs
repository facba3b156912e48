using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

/// <summary>
/// The store writes a batch's stanzas with one reused XmlWriter; what it stores must be, byte for byte,
/// what <c>XElement.ToString(SaveOptions.DisableFormatting)</c> gives for each stanza, whatever came before it.
/// </summary>
public sealed class ArchiveXmlTests : ArchiveTestStore
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Other = "urn:example:other";

    private static IEnumerable<XElement> Varied()
    {
        yield return XElement.Parse("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat' xml:lang='fr'>" +
            "<body>quotes ' \" &amp; &lt;tags&gt; \u00e9 \U0001F600</body><x:thing xmlns:x='urn:example:x' x:attr='v'/></message>");
        yield return new XElement(Client + "message", new XAttribute("id", "a\"b'c<d>&e\tf\ng"),
            new XElement(Client + "body", "  spaces kept  \r\n line two"),
            new XElement(Other + "payload", new XAttribute(XNamespace.Xml + "lang", "en"), new XElement(Other + "inner", "1")));
        yield return XElement.Parse("<message xmlns='jabber:client'><body/><active xmlns='http://jabber.org/protocol/chatstates'/>" +
            "<![CDATA[raw <text>]]><!-- a comment --><?pi data?></message>", LoadOptions.PreserveWhitespace);
        yield return new XElement(Client + "message", new XAttribute(XNamespace.Xmlns + "p", Other.NamespaceName),
            new XElement(Other + "prefixed", new XElement(Client + "back-to-default")));
        yield return new XElement("message", new XElement("body", "no namespace at all"));
    }

    [Fact]
    public void Each_stanza_of_a_batch_is_written_exactly_as_ToString_writes_it()
    {
        using var xml = new ArchiveXml();
        var stanzas = Varied().Concat(Varied().Reverse()).ToList();

        foreach (var stanza in stanzas)
            Assert.Equal(stanza.ToString(SaveOptions.DisableFormatting), xml.Write(stanza));
    }

    [Fact]
    public void A_stanza_XML_cannot_carry_throws_and_the_next_one_is_still_written_exactly()
    {
        using var xml = new ArchiveXml();
        var bad = new XElement(Client + "message", new XElement(Client + "body", "nul \u0001 char"));
        var good = Varied().First();

        Assert.ThrowsAny<ArgumentException>(() => bad.ToString(SaveOptions.DisableFormatting));
        Assert.ThrowsAny<ArgumentException>(() => xml.Write(bad));
        Assert.Equal(good.ToString(SaveOptions.DisableFormatting), xml.Write(good));
    }

    [Fact]
    public async Task A_batch_of_varied_stanzas_is_served_back_as_ToString_writes_each()
    {
        var stanzas = Varied().ToList();
        var entries = stanzas.Select((s, i) => new ArchiveEntry(Alice, Bob, ArchiveDirection.In, Start + TimeSpan.FromSeconds(i), s)).ToList();

        await Store.AppendManyAsync(entries, CancellationToken.None);

        var served = (await PageAsync(Alice, new ArchiveQuery())).Messages;
        Assert.Equal(stanzas.Select(s => s.ToString(SaveOptions.DisableFormatting)), served.Select(m => m.Xml));
    }
}
