using System.Xml.Linq;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Archive;

public sealed class ArchiveClaimsTests
{
    private static readonly Jid Alice = Jid.Parse("alice@example.org");

    [Fact]
    public void A_forged_stanza_id_or_archived_claiming_the_owners_archive_is_stripped()
    {
        var message = XElement.Parse("""
            <message xmlns='jabber:client' from='mallory@evil.example/x' to='alice@example.org'>
              <body>hi</body>
              <stanza-id xmlns='urn:xmpp:sid:0' by='Alice@example.org' id='forged'/>
              <stanza-id xmlns='urn:xmpp:sid:0' id='no-by'/>
              <archived xmlns='urn:xmpp:mam:tmp' by='alice@example.org' id='forged2'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='room@rooms.example.org' id='kept'/>
              <origin-id xmlns='urn:xmpp:sid:0' id='client-origin'/>
            </message>
            """);

        var stripped = ArchiveClaims.Strip(message, Alice);

        var ids = stripped.Elements().Where(e => e.Name.Namespace == "urn:xmpp:sid:0" || e.Name.Namespace == "urn:xmpp:mam:tmp")
            .Select(e => (string?)e.Attribute("id"));
        Assert.Equal(["kept", "client-origin"], ids);
        Assert.Equal("hi", stripped.Element(Ns.Client + "body")?.Value);
        Assert.Equal(6, message.Elements().Count());
    }

    [Fact]
    public void Claims_on_any_entity_of_our_domains_are_stripped_and_those_of_other_entities_kept()
    {
        var message = XElement.Parse("""
            <message xmlns='jabber:client' from='alice@example.org/phone' to='bob@example.org'>
              <body>hi</body>
              <stanza-id xmlns='urn:xmpp:sid:0' by='carol@EXAMPLE.org' id='other-account'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='privacy.example.org' id='component'/>
              <archived xmlns='urn:xmpp:mam:tmp' by='example.org' id='server'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.net' id='muc'/>
              <archived xmlns='urn:xmpp:mam:tmp' by='bob@example.net' id='elsewhere'/>
            </message>
            """);

        var stripped = ArchiveClaims.Strip(message, Alice, ["example.org", "privacy.example.org"]);

        Assert.Equal(["muc", "elsewhere"], stripped.Elements().Skip(1).Select(e => (string?)e.Attribute("id")));
    }

    [Fact]
    public void A_message_without_claims_is_returned_as_it_is()
    {
        var message = XElement.Parse("<message xmlns='jabber:client'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.net' id='muc'/></message>");

        Assert.Same(message, ArchiveClaims.Strip(message, Alice, ["example.org"]));
    }
}
