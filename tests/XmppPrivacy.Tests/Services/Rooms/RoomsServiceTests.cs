using System.Xml.Linq;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

public sealed class RoomsServiceTests : RoomsTestHarness
{
    [Fact]
    public async Task The_first_to_enter_creates_the_room_owns_it_and_gets_110_and_201_then_an_empty_subject()
    {
        var sent = await JoinAsync("alice", "lounge", "Alice");

        Assert.Equal(["presence", "message"], sent.Select(s => s.Name.LocalName));
        Assert.Equal([110, 201], Codes(sent[0]));
        Assert.Equal("alice@localhost/phone", (string?)sent[0].Attribute("to"));
        var item = sent[0].Descendants(MucNs.User + "item").Single();
        Assert.Equal(("owner", "moderator"), ((string?)item.Attribute("affiliation"), (string?)item.Attribute("role")));
        Assert.NotNull(sent[0].Element(MucNs.OccupantId + "occupant-id"));
        Assert.Equal("", sent[1].Element(Ns.Component + "subject")!.Value);
    }

    [Fact]
    public async Task A_newcomer_sees_the_others_first_then_itself_and_the_others_see_it_without_its_real_jid()
    {
        await JoinAsync("alice", "lounge", "Alice");
        var sent = await JoinAsync("bob", "lounge", "Bob");

        var toAlice = sent.Single(s => (string?)s.Attribute("to") == "alice@localhost/phone");
        Assert.Equal("lounge@rooms.localhost/Bob", (string?)toAlice.Attribute("from"));
        Assert.Equal("bob@localhost/phone", (string?)toAlice.Descendants(MucNs.User + "item").Single().Attribute("jid")); // alice moderates
        var toBob = sent.Where(s => (string?)s.Attribute("to") == "bob@localhost/phone").ToList();
        Assert.Equal(["lounge@rooms.localhost/Alice", "lounge@rooms.localhost/Bob", "lounge@rooms.localhost"], toBob.Select(s => (string?)s.Attribute("from")));
        Assert.Null(toBob[0].Descendants(MucUserItem).Single().Attribute("jid")); // semi-anonymous: bob is no moderator
        Assert.Equal([110], Codes(toBob[1]));
    }

    private static readonly XName MucUserItem = MucNs.User + "item";

    [Fact]
    public async Task Room_names_in_other_case_or_unicode_form_are_the_same_room_with_the_same_history()
    {
        await JoinAsync("alice", "Caf\u00e9", "Alice");
        await SayAsync("alice", "caf\u00e9", "bonjour");
        var sent = await JoinAsync("bob", "CAF\u00c9", "Bob");

        Assert.Equal(["bonjour"], Bodies(sent));
        Assert.Equal(1, await RowsAsync("caf\u00e9"));
    }

    [Fact]
    public async Task A_message_is_reflected_and_broadcast_with_the_rooms_stanza_id_and_occupant_id_and_forged_ones_are_removed()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var sent = await SayAsync("alice", "lounge", "hello",
            "<stanza-id xmlns='urn:xmpp:sid:0' by='lounge@rooms.localhost' id='forged'/><stanza-id xmlns='urn:xmpp:sid:0' by='Lounge@rooms.localhost' id='forged2'/>" +
            "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='bob-s-id'/><delay xmlns='urn:xmpp:delay' from='lounge@rooms.localhost' stamp='2000-01-01T00:00:00Z'/>");

        Assert.Equal(["alice@localhost/phone", "bob@localhost/phone"], sent.Select(s => (string?)s.Attribute("to")).Order());
        foreach (var message in sent)
        {
            Assert.Equal("lounge@rooms.localhost/Alice", (string?)message.Attribute("from"));
            var stanzaId = Assert.Single(message.Elements(MucNs.StanzaId + "stanza-id"));
            Assert.Equal("lounge@rooms.localhost", (string?)stanzaId.Attribute("by"));
            Assert.DoesNotContain("forged", (string?)stanzaId.Attribute("id"), StringComparison.Ordinal);
            Assert.NotEqual("bob-s-id", (string?)Assert.Single(message.Elements(MucNs.OccupantId + "occupant-id")).Attribute("id"));
            Assert.Empty(message.Elements(MucNs.Delay + "delay"));
        }
    }

    [Fact]
    public async Task Someone_not_in_the_room_gets_not_acceptable_and_nothing_is_stored_or_sent()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var sent = await SayAsync("mallory", "lounge", "let me in");

        var error = Assert.Single(sent);
        Assert.Equal("mallory@localhost/phone", (string?)error.Attribute("to"));
        Assert.Equal("not-acceptable", Condition(error));
        Assert.Equal(0, await RowsAsync("lounge"));
    }

    [Fact]
    public async Task The_eleventh_message_deletes_the_oldest_and_a_newcomer_gets_the_last_ten_with_delay_stamps_then_the_subject()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync("<message type='groupchat' from='alice@localhost/phone' to='lounge@rooms.localhost'><subject>Welcome</subject></message>");
        for (var i = 1; i <= 15; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await SayAsync("alice", "lounge", $"message {i}");
            Assert.True(await RowsAsync("lounge") <= 10);
        }

        var sent = await JoinAsync("bob", "lounge", "Bob");

        var history = sent.Where(s => s.Element(Ns.Component + "body") is not null).ToList();
        Assert.Equal(Enumerable.Range(6, 10).Select(i => $"message {i}"), Bodies(history));
        Assert.Equal("2026-12-02T10:00:06.000Z", (string?)history[0].Element(MucNs.Delay + "delay")!.Attribute("stamp"));
        Assert.All(history, m => Assert.Equal("lounge@rooms.localhost", (string?)m.Element(MucNs.Delay + "delay")!.Attribute("from")));
        Assert.Equal("Welcome", sent[^1].Element(Ns.Component + "subject")!.Value);
        Assert.Equal("lounge@rooms.localhost/Alice", (string?)sent[^1].Attribute("from"));
    }

    [Theory]
    [InlineData("<history maxstanzas='3'/>", 8, 10)]
    [InlineData("<history maxstanzas='0'/>", 0, 0)]
    [InlineData("<history maxchars='0'/>", 0, 0)]
    [InlineData("<history seconds='4'/>", 6, 10)]
    [InlineData("<history since='2026-12-02T10:00:08Z'/>", 9, 10)]
    [InlineData("<history maxstanzas='-1' maxchars='lots' since='2026-13-45T25:61:61Z'/>", 1, 10)]
    [InlineData("<history maxstanzas='99999999999999999999'/>", 1, 10)]
    public async Task The_history_limits_of_an_entry_are_honoured_and_unreadable_ones_ignored(string history, int first, int last)
    {
        await JoinAsync("alice", "lounge", "Alice");
        for (var i = 1; i <= 10; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await SayAsync("alice", "lounge", $"message {i}");
        }

        var sent = await JoinAsync("bob", "lounge", "Bob", history);

        var expected = first == 0 ? [] : Enumerable.Range(first, last - first + 1).Select(i => $"message {i}");
        Assert.Equal(expected, Bodies(sent));
    }

    [Fact]
    public async Task A_history_limited_by_characters_keeps_the_newest_messages_that_fit()
    {
        await JoinAsync("alice", "lounge", "Alice");
        for (var i = 1; i <= 5; i++) await SayAsync("alice", "lounge", $"message {i}");
        var one = (await JoinAsync("carol", "lounge", "Carol", "<history maxstanzas='1'/>")).First(s => s.Element(Ns.Component + "body") is not null);
        var size = one.ToString(SaveOptions.DisableFormatting).Length;

        var sent = await JoinAsync("bob", "lounge", "Bob", $"<history maxchars='{size * 2 + 10}'/>");

        Assert.Equal(["message 4", "message 5"], Bodies(sent));
    }

    [Fact]
    public async Task Private_messages_chat_states_and_messages_asking_not_to_be_stored_are_passed_on_but_never_kept()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var pm = await SendAsync("<message type='chat' from='bob@localhost/phone' to='lounge@rooms.localhost/Alice'><body>just for you</body></message>");
        await SayAsync("alice", "lounge", "not kept", "<no-store xmlns='urn:xmpp:hints'/>");
        await SayAsync("alice", "lounge", "not kept either", "<no-permanent-store xmlns='urn:xmpp:hints'/>");
        var state = await SendAsync("<message type='groupchat' from='alice@localhost/phone' to='lounge@rooms.localhost'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");

        var delivered = Assert.Single(pm);
        Assert.Equal(("lounge@rooms.localhost/Bob", "alice@localhost/phone"), ((string?)delivered.Attribute("from"), (string?)delivered.Attribute("to")));
        Assert.DoesNotContain("bob@localhost", delivered.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, state.Count);
        Assert.Equal(0, await RowsAsync("lounge"));
    }

    [Fact]
    public async Task A_private_message_to_an_absent_nickname_is_item_not_found_and_from_an_outsider_not_acceptable()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var absent = await SendAsync("<message type='chat' from='alice@localhost/phone' to='lounge@rooms.localhost/Nobody'><body>hi</body></message>");
        var outsider = await SendAsync("<message type='chat' from='mallory@localhost/phone' to='lounge@rooms.localhost/Alice'><body>hi</body></message>");

        Assert.Equal("item-not-found", Condition(Assert.Single(absent)));
        Assert.Equal("not-acceptable", Condition(Assert.Single(outsider)));
    }

    [Fact]
    public async Task A_taken_nickname_is_a_conflict_and_an_invisible_one_is_refused()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var taken = await JoinAsync("mallory", "lounge", "ALICE");
        var invisible = await JoinAsync("mallory", "lounge", "Alice\u200b");
        var reversed = await JoinAsync("mallory", "lounge", "\u202eecilA");

        Assert.Equal("conflict", Condition(Assert.Single(taken)));
        Assert.Equal("lounge@rooms.localhost/ALICE", (string?)taken[0].Attribute("from"));
        Assert.Equal("not-acceptable", Condition(Assert.Single(invisible)));
        Assert.Equal("not-acceptable", Condition(Assert.Single(reversed)));
    }

    [Fact]
    public async Task A_nickname_change_is_an_unavailable_presence_with_303_and_the_new_nickname_then_an_available_one()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var sent = await SendAsync("<presence from='bob@localhost/phone' to='lounge@rooms.localhost/Robert'/>");

        var toAlice = sent.Where(s => (string?)s.Attribute("to") == "alice@localhost/phone").ToList();
        Assert.Equal("unavailable", (string?)toAlice[0].Attribute("type"));
        Assert.Equal([303], Codes(toAlice[0]));
        Assert.Equal("Robert", (string?)toAlice[0].Descendants(MucNs.User + "item").Single().Attribute("nick"));
        Assert.Equal("lounge@rooms.localhost/Robert", (string?)toAlice[1].Attribute("from"));
        Assert.Equal([110, 303], Codes(sent.First(s => (string?)s.Attribute("to") == "bob@localhost/phone")));
        var said = await SayAsync("bob", "lounge", "I am Robert now");
        Assert.All(said, m => Assert.Equal("lounge@rooms.localhost/Robert", (string?)m.Attribute("from")));
    }

    [Fact]
    public async Task Leaving_tells_the_others_and_the_leaver_with_110_and_the_persistent_room_stays_with_its_history()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");
        await SayAsync("alice", "lounge", "bye");

        var bobLeaves = await SendAsync("<presence type='unavailable' from='bob@localhost/phone' to='lounge@rooms.localhost/Bob'/>");
        await SendAsync("<presence type='unavailable' from='alice@localhost/phone' to='lounge@rooms.localhost/Alice'/>");

        Assert.Equal([110], Codes(bobLeaves.Single(s => (string?)s.Attribute("to") == "bob@localhost/phone")));
        Assert.Equal("unavailable", (string?)bobLeaves.Single(s => (string?)s.Attribute("to") == "alice@localhost/phone").Attribute("type"));
        Assert.Equal(0, Service.LoadedRooms);
        Restart();
        var back = await JoinAsync("carol", "lounge", "Carol");
        Assert.Equal(["bye"], Bodies(back));
        Assert.DoesNotContain(201, Codes(back.First()));
    }

    [Fact]
    public async Task An_occupant_whose_server_bounces_an_error_is_removed()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var sent = await SendAsync("<presence type='error' from='bob@localhost/phone' to='lounge@rooms.localhost/Bob'><error type='cancel'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");

        var toAlice = Assert.Single(sent);
        Assert.Equal("unavailable", (string?)toAlice.Attribute("type"));
        Assert.Equal([333], Codes(toAlice));
        Assert.Equal("not-acceptable", Condition(Assert.Single(await SayAsync("bob", "lounge", "am I still here?"))));
    }

    [Fact]
    public async Task When_the_service_shuts_down_every_occupant_leaves_with_332_and_a_temporary_room_ends()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");
        await JoinAsync("alice", "passing", "Alice");
        await SendAsync("<iq type='set' id='c' from='alice@localhost/phone' to='passing@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
            "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_persistentroom'><value>0</value></field></x></query></iq>");
        var outbound = new Support.RecordingOutbound(Domain);

        await Service.ShutdownAsync(CancellationToken.None, outbound);

        Assert.Equal(3, outbound.Sent.Count); // alice and bob in the lounge, alice passing by
        Assert.All(outbound.Sent, p => Assert.Equal("unavailable", (string?)p.Attribute("type")));
        Assert.All(outbound.Sent, p => Assert.Contains(332, Codes(p)));
        Assert.Equal(0, Service.LoadedRooms);
        Assert.Null(await Store.LoadAsync(XmppPrivacy.Xmpp.Jid.Parse("passing@rooms.localhost"), CancellationToken.None));
        Assert.NotNull(await Store.LoadAsync(XmppPrivacy.Xmpp.Jid.Parse("lounge@rooms.localhost"), CancellationToken.None));
    }

    [Fact]
    public async Task A_self_ping_is_answered_for_an_occupant_and_not_acceptable_for_anyone_else()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var inRoom = await SendAsync("<iq type='get' id='p1' from='alice@localhost/phone' to='lounge@rooms.localhost/Alice'><ping xmlns='urn:xmpp:ping'/></iq>");
        var gone = await SendAsync("<iq type='get' id='p2' from='alice@localhost/laptop' to='lounge@rooms.localhost/Alice'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.Equal("result", (string?)Assert.Single(inRoom).Attribute("type"));
        Assert.Equal("not-acceptable", Condition(Assert.Single(gone)));
    }

    [Fact]
    public async Task A_flood_from_one_occupant_gets_resource_constraint_and_nothing_is_dropped_silently()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var answers = new List<XElement>();
        for (var i = 0; i < 30; i++) answers.AddRange(await SayAsync("alice", "lounge", $"flood {i}", id: $"f{i}"));

        Assert.Equal(20, answers.Count(a => (string?)a.Attribute("type") == "groupchat"));
        Assert.Equal(10, answers.Count(a => Condition(a) == "resource-constraint"));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("groupchat", (string?)Assert.Single(await SayAsync("alice", "lounge", "calm again")).Attribute("type"));
    }

    [Fact]
    public async Task Room_disco_shows_a_conference_with_its_features_and_roominfo_form_and_an_unknown_room_is_item_not_found()
    {
        await JoinAsync("alice", "lounge", "Alice");

        var info = Assert.Single(await SendAsync("<iq type='get' id='d1' from='bob@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
        var none = Assert.Single(await SendAsync("<iq type='get' id='d2' from='bob@localhost/phone' to='nowhere@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));

        var query = info.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal("conference", (string?)query.Element(Ns.DiscoInfo + "identity")!.Attribute("category"));
        var features = query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")).ToList();
        Assert.Superset(new HashSet<string?> { "http://jabber.org/protocol/muc", "muc_persistent", "muc_open", "muc_semianonymous", "urn:xmpp:occupant-id:0", "urn:xmpp:sid:0" }, features.ToHashSet());
        Assert.Contains(query.Descendants(Ns.DataForms + "value"), v => v.Value == MucNs.RoomInfo);
        Assert.Equal("item-not-found", Condition(none));
    }
}
