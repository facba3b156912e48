using XmppPrivacy.Services.Core;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Streams;

/// <summary>
/// Wire conversations after the handshake, replayed against the real router and core service over an
/// in-memory connection: what the component answers.
/// </summary>
public sealed class ComponentSessionTranscriptTests
{
    [Fact]
    public async Task Ping_to_the_domain_gets_an_empty_result()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='p1' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.Equal(Ns.Component + "iq", answer.Name);
        Assert.Equal("result", answer.Type());
        Assert.Equal("p1", answer.Id());
        Assert.Equal("privacy.localhost", answer.FromText());
        Assert.Equal("localhost", answer.ToText());
        Assert.Empty(answer.Elements());
        Assert.Empty(h.Log.Errors);
    }

    [Fact]
    public async Task Ping_from_a_user_goes_back_to_the_full_jid()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='p2' from='alice@localhost/phone' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.Equal("alice@localhost/phone", answer.ToText());
        Assert.Equal("result", answer.Type());
    }

    [Fact]
    public async Task Disco_info_lists_the_identity_and_the_features()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='d1' from='alice@localhost/phone' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");

        Assert.Equal("result", answer.Type());
        var query = Assert.Single(answer.Elements(Ns.DiscoInfo + "query"));
        var identity = Assert.Single(query.Elements(Ns.DiscoInfo + "identity"));
        Assert.Equal(("component", "generic", "XmppPrivacy"),
            ((string?)identity.Attribute("category"), (string?)identity.Attribute("type"), (string?)identity.Attribute("name")));
        var features = query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")).ToList();
        Assert.Equal(
            ["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items", "jabber:iq:version", "urn:xmpp:ping"],
            features.Order(StringComparer.Ordinal));
        Assert.Equal(features.Count, features.Distinct().Count());
    }

    [Fact]
    public async Task Disco_items_is_answered_empty()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='i1' from='localhost' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");

        Assert.Equal("result", answer.Type());
        Assert.Empty(Assert.Single(answer.Elements(Ns.DiscoItems + "query")).Elements());
    }

    [Fact]
    public async Task Disco_info_on_a_user_of_the_domain_is_service_unavailable()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='d2' from='alice@localhost/phone' to='bob@privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");

        StanzaAssert.Error(answer, "d2", "cancel", "service-unavailable");
    }

    [Fact]
    public async Task Version_answers_the_name_XmppPrivacy_and_the_version_only()
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync("<iq type='get' id='v1' from='alice@localhost/phone' to='privacy.localhost'><query xmlns='jabber:iq:version'/></iq>");

        Assert.Equal("result", answer.Type());
        var query = Assert.Single(answer.Elements(Ns.Version + "query"));
        Assert.Equal("XmppPrivacy", query.Element(Ns.Version + "name")?.Value);
        Assert.Equal(CoreService.ProductVersion, query.Element(Ns.Version + "version")?.Value);
        Assert.Matches(@"^\d+\.\d+\.\d+", CoreService.ProductVersion);
        Assert.Null(query.Element(Ns.Version + "os"));
    }

    [Theory]
    [InlineData("get", "<query xmlns='jabber:iq:roster'/>")]
    [InlineData("set", "<ping xmlns='urn:xmpp:ping'/>")]
    [InlineData("set", "<query xmlns='http://jabber.org/protocol/disco#info'/>")]
    public async Task Unknown_iq_is_service_unavailable(string type, string payload)
    {
        await using var h = await SessionHarness.ConnectedAsync();

        var answer = await h.AskAsync($"<iq type='{type}' id='u1' from='alice@localhost/phone' to='privacy.localhost'>{payload}</iq>");

        StanzaAssert.Error(answer, "u1", "cancel", "service-unavailable");
        Assert.Equal("alice@localhost/phone", answer.ToText());
        Assert.Equal("privacy.localhost", answer.FromText());
    }

    [Fact]
    public async Task Stanzas_are_answered_in_the_order_they_arrived()
    {
        await using var h = await SessionHarness.ConnectedAsync();
        var pings = string.Concat(Enumerable.Range(0, 50).Select(i =>
            $"<iq type='get' id='o{i}' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));

        await h.Server.SendAsync(pings);
        var ids = new List<string?>();
        for (var i = 0; i < 50; i++) ids.Add((await h.Server.ExpectAsync()).Id());

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"o{i}"), ids);
    }
}
