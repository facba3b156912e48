using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Xmpp;

public sealed class StanzaTests
{
    private static readonly XElement Request = XElement.Parse(
        "<iq xmlns='jabber:component:accept' type='get' id='q1' from='alice@localhost/phone' to='privacy.localhost'><query xmlns='urn:example:q'/></iq>");

    [Fact]
    public void A_result_swaps_the_addresses_and_keeps_the_id()
    {
        var result = Stanza.ResultFor(Request, new XElement((XNamespace)"urn:example:q" + "answer"));

        Assert.Equal("<iq type=\"result\" from=\"privacy.localhost\" to=\"alice@localhost/phone\" id=\"q1\" xmlns=\"jabber:component:accept\"><answer xmlns=\"urn:example:q\" /></iq>",
            result.ToString(SaveOptions.DisableFormatting));
    }

    [Fact]
    public void An_error_reply_carries_the_condition_type_and_an_english_text()
    {
        var reply = Stanza.ErrorFor(Request, StanzaError.BadRequest("Bad."));

        Assert.Equal("error", reply.Type());
        Assert.Equal("privacy.localhost", reply.FromText());
        Assert.Equal("alice@localhost/phone", reply.ToText());
        var error = reply.Element(Ns.Component + "error")!;
        Assert.Equal("modify", (string?)error.Attribute("type"));
        Assert.NotNull(error.Element(Ns.Stanzas + "bad-request"));
        var text = error.Element(Ns.Stanzas + "text")!;
        Assert.Equal("Bad.", text.Value);
        Assert.Equal("en", (string?)text.Attribute(Ns.Xml + "lang"));
    }

    [Theory]
    [InlineData("iq", "error", true)]
    [InlineData("iq", "result", true)]
    [InlineData("message", "error", true)]
    [InlineData("presence", "error", true)]
    [InlineData("iq", "get", false)]
    [InlineData("message", "result", false)]
    [InlineData("message", null, false)]
    public void Errors_and_iq_results_must_never_be_answered(string kind, string? type, bool mustNot)
    {
        var stanza = new XElement(Ns.Component + kind, type is null ? null : new XAttribute("type", type));

        Assert.Equal(mustNot, stanza.MustNotBeAnswered());
    }

    [Fact]
    public void Internal_server_error_says_nothing_about_the_cause()
    {
        var error = StanzaError.InternalServerError();

        Assert.Equal(("cancel", "internal-server-error"), (error.Type, error.Condition));
        Assert.Equal("The service could not handle this request.", error.Text);
    }
}
