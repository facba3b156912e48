using System.Xml.Linq;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Delegation;

public sealed class PrivilegedMessagesTests
{
    [Fact]
    public void A_privileged_message_wraps_a_jabber_client_message_from_the_bare_account_as_the_wire_notes_show()
    {
        XNamespace mam = "urn:xmpp:mam:2";
        var wrapped = PrivilegedMessages.Wrap("privacy.localhost", "localhost", Jid.Parse("alice@localhost"), Jid.Parse("alice@localhost/phone"),
            Ns.Privilege2, new XElement(mam + "result", new XAttribute("queryid", "q1")));

        Assert.Equal("privacy.localhost", wrapped.FromText());
        Assert.Equal("localhost", wrapped.ToText());
        var inner = wrapped.Element(Ns.Privilege2 + "privilege")!.Element(Ns.Forward + "forwarded")!.Element(Ns.Client + "message")!;
        Assert.Equal("alice@localhost", (string?)inner.Attribute("from"));
        Assert.Equal("alice@localhost/phone", (string?)inner.Attribute("to"));
        Assert.Equal("q1", (string?)inner.Element(mam + "result")!.Attribute("queryid"));
    }

    [Fact]
    public void A_full_jid_cannot_be_the_sender() =>
        Assert.Throws<ArgumentException>(() => PrivilegedMessages.Wrap("privacy.localhost", "localhost",
            Jid.Parse("alice@localhost/phone"), Jid.Parse("alice@localhost/phone"), Ns.Privilege2));
}
