using System.Xml.Linq;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>Owners, admins and moderators: configuration, affiliations, roles, destroy, and the room's archive.</summary>
public sealed class RoomsOwnerTests : RoomsTestHarness
{
    protected override RoomsOptions Options => new() { MaxRoomsPerAccount = 3 };

    private static string Config(params (string Var, string Value)[] fields) =>
        "<iq type='set' id='c' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>" +
        string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{f.Value}</value></field>")) + "</x></query></iq>";

    private static string Admin(string from, string item) =>
        $"<iq type='set' id='a' from='{from}@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'>{item}</query></iq>";

    [Fact]
    public async Task An_owner_may_lower_the_history_length_which_trims_at_once_but_never_raise_it_above_the_service()
    {
        await JoinAsync("alice", "lounge", "Alice");
        for (var i = 1; i <= 8; i++) await SayAsync("alice", "lounge", $"message {i}");

        var lowered = Assert.Single(await SendAsync(Config(("muc#maxhistoryfetch", "3"))));
        var raised = Assert.Single(await SendAsync(Config(("muc#maxhistoryfetch", "11"))));
        for (var i = 9; i <= 12; i++) await SayAsync("alice", "lounge", $"message {i}");

        Assert.Equal("result", (string?)lowered.Attribute("type"));
        Assert.Equal("not-acceptable", Condition(raised));
        Assert.Equal(3, await RowsAsync("lounge"));
        Assert.Equal(["message 10", "message 11", "message 12"], Bodies(await JoinAsync("bob", "lounge", "Bob")));
    }

    [Fact]
    public async Task The_configuration_form_is_for_owners_and_hostile_forms_get_bad_request()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");

        var form = Assert.Single(await SendAsync("<iq type='get' id='g' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"));
        var notOwner = Assert.Single(await SendAsync("<iq type='get' id='g' from='bob@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"));
        var wrongType = Assert.Single(await SendAsync(Config(("muc#roomconfig_membersonly", "1")).Replace("muc#roomconfig</value>", "muc#other</value>", StringComparison.Ordinal)));
        var duplicate = Assert.Single(await SendAsync(Config(("muc#roomconfig_membersonly", "1"), ("muc#roomconfig_membersonly", "0"))));
        var many = Assert.Single(await SendAsync(Config([.. Enumerable.Range(0, 10_000).Select(i => ($"f{i}", "x"))])));
        var huge = Assert.Single(await SendAsync(Config(("muc#roomconfig_roomname", new string('n', 1 << 20)))));
        var notBoolean = Assert.Single(await SendAsync(Config(("muc#roomconfig_persistentroom", "maybe"))));

        Assert.Contains(form.Descendants(Ns.DataForms + "field"), f => (string?)f.Attribute("var") == "muc#maxhistoryfetch");
        Assert.Equal("forbidden", Condition(notOwner));
        Assert.All([wrongType, duplicate, many, huge, notBoolean], e => Assert.Equal("bad-request", Condition(e)));
        Assert.All([wrongType, duplicate, many, huge, notBoolean], e => Assert.DoesNotContain("Exception", e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Members_only_password_and_ban_refuse_entry_with_407_401_and_403()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Config(("muc#roomconfig_membersonly", "1"), ("muc#roomconfig_passwordprotectedroom", "1"), ("muc#roomconfig_roomsecret", "sesame")));
        await SendAsync(Admin("alice", "<item affiliation='member' jid='bob@localhost'/><item affiliation='outcast' jid='mallory@localhost'/>"));

        Assert.Equal("registration-required", Condition(Assert.Single(await JoinAsync("oscar", "lounge", "Oscar", password: "sesame"))));
        Assert.Equal("not-authorized", Condition(Assert.Single(await JoinAsync("bob", "lounge", "Bob", password: "wrong"))));
        Assert.Equal("forbidden", Condition(Assert.Single(await JoinAsync("mallory", "lounge", "Mallory", password: "sesame"))));
        var bob = await JoinAsync("bob", "lounge", "Bob", password: "sesame");
        Assert.Equal("member", (string?)bob.Last(s => s.Name.LocalName == "presence").Descendants(MucNs.User + "item").Single().Attribute("affiliation"));
    }

    [Fact]
    public async Task A_moderator_kicks_with_307_an_admin_bans_with_301_and_a_participant_may_do_neither()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");
        await JoinAsync("carol", "lounge", "Carol");

        var refused = Assert.Single(await SendAsync(Admin("bob", "<item nick='Carol' role='none'/>")));
        var kick = await SendAsync(Admin("alice", "<item nick='Carol' role='none'><reason>spam</reason></item>"));
        var ban = await SendAsync(Admin("alice", "<item affiliation='outcast' jid='bob@localhost'/>"));

        Assert.Equal("forbidden", Condition(refused));
        Assert.Equal([110, 307], Codes(kick.Single(s => (string?)s.Attribute("to") == "carol@localhost/phone")));
        Assert.Equal("spam", kick.First().Descendants(MucNs.User + "reason").Single().Value);
        Assert.Equal([110, 301], Codes(ban.Single(s => (string?)s.Attribute("to") == "bob@localhost/phone")));
        Assert.Equal("forbidden", Condition(Assert.Single(await JoinAsync("bob", "lounge", "Bob"))));
        var outcasts = Assert.Single(await SendAsync("<iq type='get' id='l' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query></iq>"));
        Assert.Equal(["bob@localhost"], outcasts.Descendants(MucNs.Admin + "item").Select(i => (string?)i.Attribute("jid")));
    }

    [Fact]
    public async Task In_a_moderated_room_a_visitor_may_not_speak_until_given_voice()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Config(("muc#roomconfig_moderatedroom", "1")));
        await JoinAsync("bob", "lounge", "Bob");

        var silent = Assert.Single(await SayAsync("bob", "lounge", "may I?"));
        await SendAsync(Admin("alice", "<item nick='Bob' role='participant'/>"));
        var voiced = await SayAsync("bob", "lounge", "thanks");

        Assert.Equal("forbidden", Condition(silent));
        Assert.Equal(2, voiced.Count(m => (string?)m.Attribute("type") == "groupchat"));
    }

    [Fact]
    public async Task A_destroyed_room_tells_its_occupants_and_leaves_nothing_in_the_store()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await JoinAsync("bob", "lounge", "Bob");
        await SayAsync("alice", "lounge", "last words");

        var sent = await SendAsync("<iq type='set' id='d' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy><reason>done</reason></destroy></query></iq>");

        Assert.Equal(2, sent.Count(s => s.Descendants(MucNs.User + "destroy").Any()));
        Assert.Equal(0, await RowsAsync("lounge"));
        Assert.Null(await Store.LoadAsync(Jid.Parse("lounge@rooms.localhost"), CancellationToken.None));
    }

    [Fact]
    public async Task The_rooms_archive_returns_at_most_the_kept_messages_to_occupants_and_members_and_forbids_everyone_else()
    {
        await JoinAsync("alice", "lounge", "Alice");
        for (var i = 1; i <= 15; i++) await SayAsync("alice", "lounge", $"message {i}");
        await SendAsync(Admin("alice", "<item affiliation='outcast' jid='mallory@localhost'/><item affiliation='member' jid='bob@localhost'/>"));

        var query = "<iq type='set' id='q' from='{0}@localhost/phone' to='lounge@rooms.localhost'><query xmlns='urn:xmpp:mam:2' queryid='x'>{1}</query></iq>";
        var ofAlice = await SendAsync(string.Format(query, "alice", ""));
        var page = await SendAsync(string.Format(query, "bob", "<set xmlns='http://jabber.org/protocol/rsm'><max>4</max><before/></set>"));
        var outcast = Assert.Single(await SendAsync(string.Format(query, "mallory", "")));
        var outsider = Assert.Single(await SendAsync(string.Format(query, "oscar", "")));
        var unknown = Assert.Single(await SendAsync(string.Format(query, "alice", "<set xmlns='http://jabber.org/protocol/rsm'><after>gone</after></set>")));

        Assert.Equal(Enumerable.Range(6, 10).Select(i => $"message {i}"), ofAlice.SkipLast(1).Select(m => m.Descendants(Ns.Component + "body").Single().Value));
        Assert.All(ofAlice.SkipLast(1), m => Assert.Equal("lounge@rooms.localhost", (string?)m.Attribute("from")));
        Assert.Equal("true", (string?)ofAlice[^1].Element(MucNs.Mam + "fin")!.Attribute("complete"));
        Assert.Equal(Enumerable.Range(12, 4).Select(i => $"message {i}"), page.SkipLast(1).Select(m => m.Descendants(Ns.Component + "body").Single().Value));
        Assert.Equal("forbidden", Condition(outcast));
        Assert.Equal("forbidden", Condition(outsider));
        Assert.Equal("item-not-found", Condition(unknown));
    }

    [Fact]
    public async Task An_invitation_is_passed_on_by_the_room_and_makes_the_invitee_a_member_of_a_members_only_room()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Config(("muc#roomconfig_membersonly", "1")));

        var sent = await SendAsync("<message from='alice@localhost/phone' to='lounge@rooms.localhost'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@localhost'><reason>join us</reason></invite></x></message>");
        var outsider = await SendAsync("<message from='mallory@localhost/phone' to='lounge@rooms.localhost'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='eve@localhost'/></x></message>");

        var invitation = Assert.Single(sent);
        Assert.Equal(("lounge@rooms.localhost", "bob@localhost"), ((string?)invitation.Attribute("from"), (string?)invitation.Attribute("to")));
        Assert.Equal("alice@localhost", (string?)invitation.Descendants(MucNs.User + "invite").Single().Attribute("from"));
        Assert.Equal("not-acceptable", Condition(Assert.Single(outsider)));
        Assert.Equal("member", (string?)(await JoinAsync("bob", "lounge", "Bob")).Last(s => s.Name.LocalName == "presence").Descendants(MucNs.User + "item").Single().Attribute("affiliation"));
    }

    [Fact]
    public async Task One_account_creates_at_most_its_share_of_rooms_and_may_still_enter_others()
    {
        foreach (var room in (string[])["one", "two", "three"]) await JoinAsync("alice", room, "Alice");
        await JoinAsync("bob", "bobs", "Bob");

        var fourth = Assert.Single(await JoinAsync("alice", "four", "Alice"));
        var existing = await JoinAsync("alice", "bobs", "Alice");

        Assert.Equal("resource-constraint", Condition(fourth));
        Assert.Null(await Store.LoadAsync(Jid.Parse("four@rooms.localhost"), CancellationToken.None));
        Assert.Equal([110], Codes(existing.Last(s => s.Name.LocalName == "presence")));
    }

    [Fact]
    public async Task Deleting_an_account_removes_its_affiliations_from_the_store_and_the_loaded_rooms()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Config(("muc#roomconfig_membersonly", "1")));
        await SendAsync(Admin("alice", "<item affiliation='member' jid='bob@localhost'/>"));
        var accounts = new RoomAccounts(Store, Service);

        Assert.Contains(Account.Parse("bob@localhost"), await accounts.AccountsAsync(CancellationToken.None).ToListAsync());
        Assert.Equal(1, await accounts.DeleteAccountAsync(Account.Parse("bob@localhost"), CancellationToken.None));

        Assert.DoesNotContain(Account.Parse("bob@localhost"), await accounts.AccountsAsync(CancellationToken.None).ToListAsync());
        Assert.Equal("registration-required", Condition(Assert.Single(await JoinAsync("bob", "lounge", "Bob"))));
    }
}
