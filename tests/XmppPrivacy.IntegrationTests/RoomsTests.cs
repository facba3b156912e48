using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The rooms service through a real Prosody: a room keeps only its last ten messages, in the database file and
/// for everyone who enters, also after a restart; private messages between occupants are never kept.
/// </summary>
[Collection(RealServers.Name)]
public sealed class RoomsTests
{
    private static readonly XNamespace Muc = "http://jabber.org/protocol/muc";
    private static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";
    private static readonly XNamespace MucOwner = "http://jabber.org/protocol/muc#owner";
    private static readonly XNamespace Delay = "urn:xmpp:delay";
    private static readonly XNamespace Sid = "urn:xmpp:sid:0";
    private static readonly XNamespace OccupantId = "urn:xmpp:occupant-id:0";
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private const string Room = "test@rooms.localhost";

    [Fact]
    public async Task A_newcomer_gets_exactly_the_last_ten_messages_in_order_with_delay_stamps_and_the_subject_after_them_also_after_a_restart()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-rooms");
        var database = Path.Combine(state, "xmpp-privacy.db");
        var overrides = new Dictionary<string, string?> { ["Storage:Path"] = database };
        var component = await ComponentUnderTest.StartAsync(prosody, overrides);
        try
        {
            await component.WaitForAllConnectedAsync();
            foreach (var user in (string[])["alice", "bob", "carol", "dave", "erin"]) await prosody.RegisterAsync(user, user + "-secret");
            await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
            await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");

            var aliceEntry = await JoinAsync(alice, Room, "Alice");
            var self = aliceEntry.Single(s => s.Name.LocalName == "presence");
            Assert.Equal([110, 201], StatusCodes(self));
            Assert.Equal("owner", (string?)self.Descendants(MucUser + "item").Single().Attribute("affiliation"));
            Assert.Equal(0, Rows(database));
            var bobEntry = await JoinAsync(bob, Room, "Bob");
            Assert.Equal([$"{Room}/Alice", $"{Room}/Bob"], bobEntry.Where(s => s.Name.LocalName == "presence").Select(s => (string?)s.Attribute("from")));
            Assert.Null(bobEntry.Where(s => s.Name.LocalName == "presence").First().Descendants(MucUser + "item").Single().Attribute("jid")); // semi-anonymous
            await alice.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("from") == $"{Room}/Bob");

            var reflected = new List<XElement>();
            for (var i = 1; i <= 15; i++)
            {
                // A client's own stanza-id claiming the room and its own occupant-id never survive.
                await alice.SendAsync($"<message type='groupchat' to='{Room}' id='m{i}'><body>message {i}</body>" +
                    $"<stanza-id xmlns='urn:xmpp:sid:0' by='{Room}' id='forged-{i}'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>");
                reflected.Add(await alice.WaitForAsync(s => s.Name.LocalName == "message" && (string?)s.Attribute("id") == $"m{i}"));
                await bob.WaitForAsync(s => s.Name.LocalName == "message" && (string?)s.Attribute("id") == $"m{i}");
                Assert.True(Rows(database) <= 10, $"the room holds {Rows(database)} messages after message {i}");
            }
            Assert.Equal(10, Rows(database));
            Assert.Equal(1, await component.MetricAsync("xmppprivacy_rooms_loaded"));
            var last = reflected[^1];
            Assert.Equal($"{Room}/Alice", (string?)last.Attribute("from"));
            Assert.Equal(Room, (string?)last.Elements(Sid + "stanza-id").Single().Attribute("by"));
            Assert.DoesNotContain("forged", (string?)last.Elements(Sid + "stanza-id").Single().Attribute("id"), StringComparison.Ordinal);
            var occupantId = (string?)last.Elements(OccupantId + "occupant-id").Single().Attribute("id");
            Assert.NotEqual("forged", occupantId);

            // Never kept: a private message, a message asking not to be stored, a chat state alone.
            await bob.SendAsync($"<message type='chat' to='{Room}/Alice' id='pm'><body>a private word</body></message>");
            var pm = await alice.WaitForAsync(s => (string?)s.Attribute("id") == "pm");
            Assert.Equal($"{Room}/Bob", (string?)pm.Attribute("from"));
            await alice.SendAsync($"<message type='groupchat' to='{Room}' id='ns'><body>off the record</body><no-store xmlns='urn:xmpp:hints'/></message>");
            await alice.SendAsync($"<message type='groupchat' to='{Room}' id='cs'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
            await alice.WaitForAsync(s => (string?)s.Attribute("id") == "cs");
            Assert.Equal(10, Rows(database));
            Assert.Equal(0, Scalar(database, "SELECT COUNT(*) FROM room_messages WHERE xml LIKE '%a private word%' OR xml LIKE '%off the record%'"));

            // Someone not in the room may not speak in it, and may not take a nickname in use.
            await using var dave = await XmppTestClient.LoginAsync(prosody.C2sPort, "dave", "dave-secret");
            await dave.SendAsync($"<message type='groupchat' to='{Room}' id='outsider'><body>let me in</body></message>");
            var refused = await dave.WaitForAsync(s => (string?)s.Attribute("id") == "outsider");
            Assert.Equal("error", (string?)refused.Attribute("type"));
            Assert.NotNull(refused.Descendants(Ns.Stanzas + "not-acceptable").SingleOrDefault());
            await dave.SendAsync($"<presence to='{Room}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
            var conflict = await dave.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "error");
            Assert.NotNull(conflict.Descendants(Ns.Stanzas + "conflict").SingleOrDefault());
            Assert.Equal(10, Rows(database));

            await using (var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret"))
            {
                var entry = await JoinAsync(carol, Room, "Carol");
                AssertLastTen(entry);
                Assert.Equal(occupantId, (string?)History(entry)[^1].Elements(OccupantId + "occupant-id").Single().Attribute("id"));
            }

            await component.DisposeAsync();
            // Those still in the room learn that the service went down (332) before its connection closed.
            var shutdown = await alice.WaitForAsync(s => s.Name.LocalName == "presence" && StatusCodes(s).Contains(332));
            Assert.Equal("unavailable", (string?)shutdown.Attribute("type"));
            Assert.Equal(10, Rows(database));
            component = await ComponentUnderTest.StartAsync(prosody, overrides);
            await component.WaitForAllConnectedAsync();
            await using var erin = await XmppTestClient.LoginAsync(prosody.C2sPort, "erin", "erin-secret");
            var afterRestart = await JoinAsync(erin, "TEST@rooms.localhost", "Erin");
            AssertLastTen(afterRestart);
            Assert.Equal(10, Rows(database));
            Assert.Empty(component.ErrorLines());
            Assert.DoesNotContain("message 1", component.Log, StringComparison.Ordinal);
        }
        finally
        {
            await component.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task On_ejabberd_too_a_newcomer_gets_exactly_the_last_ten_messages_also_after_a_restart_of_the_component()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        var state = Repo.TempDirectory("xp-rooms");
        var database = Path.Combine(state, "xmpp-privacy.db");
        var overrides = new Dictionary<string, string?> { ["Storage:Path"] = database };
        var component = await ComponentUnderTest.StartAsync(ejabberd, overrides);
        try
        {
            await component.WaitForAllConnectedAsync();
            foreach (var user in (string[])["alice", "carol", "erin"]) await ejabberd.RegisterAsync(user, user + "-secret");
            await using var alice = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "alice", "alice-secret");
            await JoinAsync(alice, Room, "Alice");
            for (var i = 1; i <= 15; i++)
            {
                await alice.SendAsync($"<message type='groupchat' to='{Room}' id='m{i}'><body>message {i}</body></message>");
                await alice.WaitForAsync(s => s.Name.LocalName == "message" && (string?)s.Attribute("id") == $"m{i}");
                Assert.True(Rows(database) <= 10, $"the room holds {Rows(database)} messages after message {i}");
            }
            await using (var carol = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "carol", "carol-secret"))
                AssertLastTen(await JoinAsync(carol, Room, "Carol"));

            await component.DisposeAsync();
            component = await ComponentUnderTest.StartAsync(ejabberd, overrides);
            await component.WaitForAllConnectedAsync();
            await using var erin = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "erin", "erin-secret");
            AssertLastTen(await JoinAsync(erin, Room, "Erin"));
            Assert.Equal(10, Rows(database));
            Assert.Empty(component.ErrorLines());
        }
        finally
        {
            await component.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task With_slixmpps_muc_plugin_two_speakers_chat_and_a_newcomer_gets_exactly_the_last_ten_with_delays_then_the_subject_also_after_a_restart()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-rooms-slixmpp");
        var overrides = new Dictionary<string, string?> { ["Storage:Path"] = Path.Combine(state, "xmpp-privacy.db") };
        var component = await ComponentUnderTest.StartAsync(prosody, overrides);
        try
        {
            await component.WaitForAllConnectedAsync();
            foreach (var user in (string[])["speaker", "replier", "newcomer", "latecomer"]) await prosody.RegisterAsync(user, user + "-secret");

            var (code, output) = await CheckRoomsAsync(prosody, "--speaker", "speaker:speaker-secret", "--speaker", "replier:replier-secret",
                "--newcomer", "newcomer:newcomer-secret");
            Assert.True(code == 0, output);
            Assert.Contains("speaker 2 saw 15 messages", output);
            Assert.Contains("newcomer saw: slixmpp 6; slixmpp 7;", output);
            Assert.Equal(10L, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_messages WHERE room = 'slixmpp@rooms.localhost'"));

            await component.DisposeAsync();
            component = await ComponentUnderTest.StartAsync(prosody, overrides);
            await component.WaitForAllConnectedAsync();
            (code, output) = await CheckRoomsAsync(prosody, "--newcomer-only", "--newcomer", "latecomer:latecomer-secret");
            Assert.True(code == 0, output);
            Assert.Contains("newcomer saw: slixmpp 6; slixmpp 7;", output);
            Assert.Empty(component.ErrorLines());
        }
        finally
        {
            await component.DisposeAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Output)> CheckRoomsAsync(ProsodyServer prosody, params string[] arguments) =>
        Repo.RunAsync("/usr/bin/python3",
            [Path.Combine(Repo.Root, "scripts", "check-rooms-with-slixmpp.py"), "--port", prosody.C2sPort.ToString(), .. arguments],
            timeout: TimeSpan.FromSeconds(90));

    [Fact]
    public async Task An_outcast_and_a_non_member_of_a_members_only_room_get_no_history()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "mallory", "oscar");
        var (alice, mallory, oscar) = (users["alice"], users["mallory"], users["oscar"]);

        await JoinAsync(alice, "open@rooms.localhost", "Alice");
        await JoinAsync(alice, "club@rooms.localhost", "Alice");
        foreach (var room in (string[])["open@rooms.localhost", "club@rooms.localhost"])
        {
            await alice.SendAsync($"<message type='groupchat' to='{room}' id='{room}-1'><body>for the few</body></message>");
            await alice.WaitForAsync(s => (string?)s.Attribute("id") == $"{room}-1");
        }
        var ban = await alice.IqAsync("<iq type='set' to='open@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>" +
            "<item affiliation='outcast' jid='mallory@localhost'/></query></iq>");
        Assert.Equal("result", (string?)ban.Attribute("type"));
        var config = await alice.IqAsync("<iq type='set' to='club@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>" +
            "<field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>");
        Assert.Equal("result", (string?)config.Attribute("type"));

        await mallory.SendAsync("<presence to='open@rooms.localhost/Mallory'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var banned = await mallory.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "error");
        Assert.NotNull(banned.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
        await oscar.SendAsync("<presence to='club@rooms.localhost/Oscar'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var members = await oscar.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "error");
        Assert.NotNull(members.Descendants(Ns.Stanzas + "registration-required").SingleOrDefault());

        // Neither got a message from the rooms (give a stray one time to arrive).
        await Task.Delay(500);
        await Assert.ThrowsAsync<TimeoutException>(() => mallory.WaitForAsync(FromRooms, TimeSpan.FromMilliseconds(200)));
        await Assert.ThrowsAsync<TimeoutException>(() => oscar.WaitForAsync(FromRooms, TimeSpan.FromMilliseconds(200)));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Private_messages_between_occupants_never_reach_a_personal_archive_nor_the_rooms_history()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);
        foreach (var client in (XmppTestClient[])[alice, bob])
            Assert.Equal("result", (string?)(await client.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));
        await JoinAsync(alice, Room, "Alice");
        await JoinAsync(bob, Room, "Bob");

        await bob.SendAsync($"<message type='chat' to='{Room}/Alice' id='pm1'><body>whispered to alice</body></message>");
        await alice.WaitForAsync(s => (string?)s.Attribute("id") == "pm1");
        await alice.SendAsync($"<message type='chat' to='{Room}/Bob' id='pm2'><body>whispered to bob</body></message>");
        await bob.WaitForAsync(s => (string?)s.Attribute("id") == "pm2");
        // A direct message afterwards is archived for both: once its two copies are there, the whispers would be too.
        await alice.SendAsync("<message type='chat' to='bob@localhost' id='direct'><body>said directly</body></message>");
        await bob.WaitForAsync(s => (string?)s.Attribute("id") == "direct");
        await Repo.WaitUntilAsync(() => Task.FromResult(Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages") >= 2),
            TimeSpan.FromSeconds(10), "the direct message is archived for both");
        await Task.Delay(300);

        Assert.Equal(2, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages"));
        Assert.Equal(0, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages WHERE xml LIKE '%whispered%'"));
        Assert.Equal(0, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_messages"));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_affiliations_and_the_same_name_registered_again_is_no_member()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("alice", "alice-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await JoinAsync(alice, "club@rooms.localhost", "Alice");
        Assert.Equal("result", (string?)(await alice.IqAsync("<iq type='set' to='club@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
            "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>")).Attribute("type"));
        Assert.Equal("result", (string?)(await alice.IqAsync("<iq type='set' to='club@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>" +
            "<item affiliation='member' jid='bob@localhost'/></query></iq>")).Attribute("type"));
        await using (var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret"))
        {
            await JoinAsync(bob, "own@rooms.localhost", "Bob");
            Assert.Equal(2, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_affiliations WHERE jid = 'bob@localhost'"));
            var removed = await bob.IqAsync("<iq type='set'><query xmlns='jabber:iq:register'><remove/></query></iq>");
            Assert.Equal("result", (string?)removed.Attribute("type"));
        }

        await Repo.WaitUntilAsync(() => Task.FromResult(Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_affiliations WHERE jid = 'bob@localhost'") == 0),
            TimeSpan.FromSeconds(10), "bob's affiliations are gone");
        await prosody.RegisterAsync("bob", "new-bob-secret");
        await using var newBob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "new-bob-secret");
        await newBob.SendAsync("<presence to='club@rooms.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var refused = await newBob.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "error");
        Assert.NotNull(refused.Descendants(Ns.Stanzas + "registration-required").SingleOrDefault());
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task The_room_is_listed_and_a_nickname_reserved_through_prosody_is_refused_to_others_with_409_until_its_account_is_deleted()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        foreach (var user in (string[])["alice", "bob", "carol"]) await prosody.RegisterAsync(user, user + "-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");
        await JoinAsync(alice, "hall@rooms.localhost", "Alice");
        var listed = await carol.IqAsync("<iq type='get' to='rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#items'>" +
            "<set xmlns='http://jabber.org/protocol/rsm'><max>5</max></set></query></iq>");
        Assert.Equal(["hall@rooms.localhost"], listed.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("jid")));
        Assert.Equal("1", listed.Descendants(XName.Get("count", "http://jabber.org/protocol/rsm")).Single().Value);
        await using (var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret"))
        {
            var form = await bob.IqAsync("<iq type='get' to='hall@rooms.localhost'><query xmlns='jabber:iq:register'/></iq>");
            Assert.Contains(form.Descendants(Ns.DataForms + "field"), f => (string?)f.Attribute("var") == "muc#register_roomnick");
            var reserved = await bob.IqAsync("<iq type='set' to='hall@rooms.localhost'><query xmlns='jabber:iq:register'>" +
                "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>" +
                "<field var='muc#register_roomnick'><value>Bob</value></field></x></query></iq>");
            Assert.Equal("result", (string?)reserved.Attribute("type"));
            var found = await bob.IqAsync("<iq type='get' to='hall@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>");
            Assert.Equal("Bob", (string?)found.Descendants(Ns.DiscoInfo + "identity").Single().Attribute("name"));
            Assert.Equal(1, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_affiliations WHERE jid = 'bob@localhost' AND nick = 'Bob' AND affiliation = 'member'"));

            await carol.SendAsync("<presence to='hall@rooms.localhost/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
            var refused = await carol.WaitForAsync(s => s.Name.LocalName == "presence" && (string?)s.Attribute("type") == "error");
            Assert.NotNull(refused.Descendants(Ns.Stanzas + "conflict").SingleOrDefault());

            var removed = await bob.IqAsync("<iq type='set'><query xmlns='jabber:iq:register'><remove/></query></iq>");
            Assert.Equal("result", (string?)removed.Attribute("type"));
        }

        await Repo.WaitUntilAsync(() => Task.FromResult(Scalar(component.DatabasePath, "SELECT COUNT(*) FROM room_affiliations WHERE jid = 'bob@localhost'") == 0),
            TimeSpan.FromSeconds(10), "bob's reservation is gone");
        var entered = await JoinAsync(carol, "hall@rooms.localhost", "Bob");
        Assert.Contains(entered, s => s.Name.LocalName == "presence" && StatusCodes(s).Contains(110));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_disco_query_to_an_occupant_is_passed_to_its_client_through_prosody_and_answered_between_occupant_jids()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);
        await JoinAsync(alice, "den@rooms.localhost", "Alice");
        await JoinAsync(bob, "den@rooms.localhost", "Bob");

        var asking = alice.IqAsync("<iq type='get' to='den@rooms.localhost/Bob'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var passed = await bob.WaitForAsync(s => s.Name.LocalName == "iq" && (string?)s.Attribute("type") == "get");
        Assert.Equal("den@rooms.localhost/Alice", (string?)passed.Attribute("from"));
        await bob.SendAsync($"<iq type='result' id='{passed.Attribute("id")!.Value}' to='den@rooms.localhost/Alice'>" +
            "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc' name='test client'/></query></iq>");
        var answer = await asking;

        Assert.Equal(("result", "den@rooms.localhost/Bob"), ((string?)answer.Attribute("type"), (string?)answer.Attribute("from")));
        Assert.Equal("test client", (string?)answer.Descendants(Ns.DiscoInfo + "identity").Single().Attribute("name"));
        Assert.DoesNotContain("alice@", passed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("bob@", answer.ToString(), StringComparison.Ordinal);
        var nobody = await alice.IqAsync("<iq type='get' to='den@rooms.localhost/Nobody'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        Assert.NotNull(nobody.Descendants(Ns.Stanzas + "item-not-found").SingleOrDefault());
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Two_unicode_spellings_of_a_room_through_prosody_are_one_room_with_one_history()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);
        await JoinAsync(alice, "\u00c5NGSTR\u00d6M@rooms.localhost", "Alice"); // precomposed, upper case
        await alice.SendAsync("<message type='groupchat' to='\u00c5NGSTR\u00d6M@rooms.localhost' id='u1'><body>one history</body></message>");
        await alice.WaitForAsync(s => s.Name.LocalName == "message" && (string?)s.Attribute("id") == "u1");

        // The angstrom sign and combining marks: another spelling of the same name.
        await bob.SendAsync("<presence to='\u212bngstro\u0308m@rooms.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        var history = await bob.WaitForAsync(s => s.Name.LocalName == "message" && s.Element(Ns.Component + "body") is not null);

        Assert.Equal("one history", history.Element(Ns.Component + "body")!.Value);
        Assert.StartsWith("\u00e5ngstr\u00f6m@rooms.localhost/", (string?)history.Attribute("from"), StringComparison.Ordinal);
        Assert.Equal(1L, Scalar(component.DatabasePath, "SELECT COUNT(*) FROM rooms"));
        Assert.Empty(component.ErrorLines());
    }

    /// <summary>Enters a room and returns what the room sent, in order, up to and including the subject; a creator then submits the instant-room form.</summary>
    internal static async Task<List<XElement>> JoinAsync(XmppTestClient client, string room, string nick, string history = "")
    {
        await client.SendAsync($"<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>{history}</x></presence>");
        var received = new List<XElement>();
        var bare = room.ToLowerInvariant();
        while (true)
        {
            var next = await client.WaitForAsync(s => ((string?)s.Attribute("from"))?.StartsWith(bare, StringComparison.OrdinalIgnoreCase) == true);
            received.Add(next);
            if (next.Name.LocalName == "presence" && (string?)next.Attribute("type") == "error")
                throw new InvalidOperationException("Entering the room failed: " + next);
            if (next.Name.LocalName == "message" && next.Element(Ns.Component + "subject") is not null && next.Element(Ns.Component + "body") is null)
                break;
        }
        // As real clients do, whoever created the room (201) accepts the default configuration: the room stays locked until then.
        if (received.Any(s => s.Name.LocalName == "presence" && StatusCodes(s).Contains(201)))
        {
            var instant = await client.IqAsync($"<iq type='set' to='{bare}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
            if ((string?)instant.Attribute("type") != "result") throw new InvalidOperationException("The instant-room form was refused: " + instant);
        }
        return received;
    }

    private static bool FromRooms(XElement stanza) =>
        stanza.Name.LocalName == "message" && ((string?)stanza.Attribute("from"))?.Contains("@rooms.localhost", StringComparison.Ordinal) == true;

    private static List<XElement> History(List<XElement> entry) =>
        entry.Where(s => s.Name.LocalName == "message" && s.Element(Ns.Component + "body") is not null).ToList();

    private static void AssertLastTen(List<XElement> entry)
    {
        var history = History(entry);
        Assert.Equal(Enumerable.Range(6, 10).Select(i => $"message {i}"), history.Select(m => m.Element(Ns.Component + "body")!.Value));
        Assert.All(history, m => Assert.Equal(Room, (string?)m.Element(Delay + "delay")?.Attribute("from")));
        var stamps = history.Select(m => DateTimeOffset.Parse((string)m.Element(Delay + "delay")!.Attribute("stamp")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(stamps.Order(), stamps);
        // The subject comes last, after the history; the self-presence (110) before it.
        Assert.Equal("message", entry[^1].Name.LocalName);
        Assert.NotNull(entry[^1].Element(Ns.Component + "subject"));
        var selfAt = entry.FindIndex(s => s.Name.LocalName == "presence" && StatusCodes(s).Contains(110));
        Assert.True(selfAt >= 0 && selfAt < entry.IndexOf(history[0]), "the self-presence comes before the history");
    }

    private static List<int> StatusCodes(XElement presence) =>
        presence.Descendants(MucUser + "status").Select(s => (int)s.Attribute("code")!).Order().ToList();

    private static long Rows(string database) => Scalar(database, $"SELECT COUNT(*) FROM room_messages WHERE room = '{Room}'");

    private static long Scalar(string database, string sql) => Convert.ToInt64(DatabaseFile.Scalar(database, sql));
}
