using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>IQs to an occupant JID (XEP-0045 §6.7, §18.1.4): passed on between occupant JIDs, never showing a real JID.</summary>
public sealed class RoomsOccupantIqTests : RoomsTestHarness
{
    [Fact]
    public async Task An_occupants_disco_query_to_another_occupant_is_passed_on_and_the_answer_comes_back_from_occupant_jids_only()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var passed = Assert.Single(await SendAsync($"<iq type='get' id='q1' from='alice@localhost/phone' to='lounge@{Domain}/bob'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
        var ours = (string)passed.Attribute("id")!;
        var forged = await SendAsync($"<iq type='result' id='{ours}' from='mallory@localhost/phone' to='lounge@{Domain}/Alice'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc'/></query></iq>");
        var answer = Assert.Single(await SendAsync($"<iq type='result' id='{ours}' from='bob@localhost/phone' to='lounge@{Domain}/Alice'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='phone'/></query></iq>"));
        var replayed = await SendAsync($"<iq type='result' id='{ours}' from='bob@localhost/phone' to='lounge@{Domain}/Alice'/>");

        Assert.Equal(("bob@localhost/phone", $"lounge@{Domain}/Alice"), ((string?)passed.Attribute("to"), (string?)passed.Attribute("from")));
        Assert.NotEqual("q1", ours);
        Assert.Empty(forged);
        Assert.Equal(("alice@localhost/phone", $"lounge@{Domain}/Bob", "q1", "result"),
            ((string?)answer.Attribute("to"), (string?)answer.Attribute("from"), (string?)answer.Attribute("id"), (string?)answer.Attribute("type")));
        Assert.Equal("phone", (string?)answer.Descendants(Ns.DiscoInfo + "identity").Single().Attribute("type"));
        Assert.DoesNotContain("bob@localhost", answer.ToString(), StringComparison.Ordinal);
        Assert.Empty(replayed);
    }

    [Fact]
    public async Task An_error_from_the_occupants_client_goes_back_to_the_asker_as_the_error()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var passed = Assert.Single(await SendAsync($"<iq type='get' id='v' from='alice@localhost/phone' to='lounge@{Domain}/Bob'><query xmlns='jabber:iq:version'/></iq>"));
        var error = Assert.Single(await SendAsync($"<iq type='error' id='{passed.Attribute("id")!.Value}' from='bob@localhost/phone' to='lounge@{Domain}/Alice'>" +
            "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));

        Assert.Equal(("alice@localhost/phone", $"lounge@{Domain}/Bob", "v"), ((string?)error.Attribute("to"), (string?)error.Attribute("from"), (string?)error.Attribute("id")));
        Assert.Equal("service-unavailable", Condition(error));
    }

    [Fact]
    public async Task Outsiders_get_bad_request_or_not_acceptable_and_a_missing_occupant_or_room_item_not_found_and_nothing_is_passed_on()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var outsiderDisco = Assert.Single(await SendAsync($"<iq type='get' id='1' from='mallory@localhost/phone' to='lounge@{Domain}/Alice'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
        var outsiderVcard = Assert.Single(await SendAsync($"<iq type='get' id='2' from='mallory@localhost/phone' to='lounge@{Domain}/Alice'><vCard xmlns='vcard-temp'/></iq>"));
        var nobody = Assert.Single(await SendAsync($"<iq type='get' id='3' from='alice@localhost/phone' to='lounge@{Domain}/Nobody'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
        var noRoom = Assert.Single(await SendAsync($"<iq type='get' id='4' from='alice@localhost/phone' to='nowhere@{Domain}/Alice'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"));

        Assert.Equal(["bad-request", "not-acceptable", "item-not-found", "item-not-found"], new[] { outsiderDisco, outsiderVcard, nobody, noRoom }.Select(Condition));
        Assert.All([outsiderDisco, outsiderVcard, nobody, noRoom], e => Assert.Equal("error", (string?)e.Attribute("type")));
    }

    [Fact]
    public async Task Self_ping_is_still_answered_by_the_room()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var pong = Assert.Single(await SendAsync($"<iq type='get' id='p' from='alice@localhost/phone' to='lounge@{Domain}/Alice'><ping xmlns='urn:xmpp:ping'/></iq>"));

        Assert.Equal(("result", "alice@localhost/phone"), ((string?)pong.Attribute("type"), (string?)pong.Attribute("to")));
    }
}
