using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>Nickname reservations (XEP-0045 §7.10, §7.12): registering with a room.</summary>
public sealed class RoomsRegisterTests : RoomsTestHarness
{
    private static readonly XNamespace Register = "jabber:iq:register";

    private static string Reserve(string user, string nick, string room = "lounge") =>
        $"<iq type='set' id='r' from='{user}@localhost/phone' to='{room}@rooms.localhost'><query xmlns='jabber:iq:register'>" +
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>" +
        $"<field var='muc#register_roomnick'><value>{nick}</value></field></x></query></iq>";

    private static string Unregister(string user) =>
        $"<iq type='set' id='u' from='{user}@localhost/phone' to='lounge@rooms.localhost'><query xmlns='jabber:iq:register'><remove/></query></iq>";

    private static string ReservedNickQuery(string user) =>
        $"<iq type='get' id='d' from='{user}@localhost/laptop' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>";

    private async Task<string?> ReservedNickAsync(string user) =>
        (string?)Assert.Single(await SendAsync(ReservedNickQuery(user))).Descendants(Ns.DiscoInfo + "identity").SingleOrDefault()?.Attribute("name");

    [Fact]
    public async Task A_reserved_nickname_is_refused_to_everyone_else_on_entry_and_on_nick_change_in_any_spelling_and_kept_across_a_restart()
    {
        await JoinAsync("alice", "lounge", "Alice");
        var form = Assert.Single(await SendAsync("<iq type='get' id='g' from='bob@localhost/phone' to='lounge@rooms.localhost'><query xmlns='jabber:iq:register'/></iq>"));
        var reserved = Assert.Single(await SendAsync(Reserve("bob", "Bob")));
        await SendAsync("<presence type='unavailable' from='alice@localhost/phone' to='lounge@rooms.localhost/Alice'/>");
        Restart();

        await JoinAsync("alice", "lounge", "Alice");
        var asMallory = Assert.Single(await JoinAsync("mallory", "lounge", "\uff42\uff4f\uff42")); // full-width "bob"
        await JoinAsync("mallory", "lounge", "Mallory");
        var change = Assert.Single(await SendAsync("<presence from='mallory@localhost/phone' to='lounge@rooms.localhost/BOB'/>"));
        var asBob = await JoinAsync("bob", "lounge", "bob");

        Assert.Contains(form.Descendants(Ns.DataForms + "field"), f => (string?)f.Attribute("var") == "muc#register_roomnick" && f.Element(Ns.DataForms + "required") is not null);
        Assert.Null(form.Descendants(Register + "registered").SingleOrDefault());
        Assert.Equal("result", (string?)reserved.Attribute("type"));
        Assert.Equal("conflict", Condition(asMallory));
        Assert.Equal("conflict", Condition(change));
        Assert.Contains(asBob, s => s.Name.LocalName == "presence" && Codes(s).Contains(110));
        Assert.Equal("Bob", await ReservedNickAsync("bob"));
        Assert.Null(await ReservedNickAsync("mallory"));
    }

    [Fact]
    public async Task Registering_makes_the_account_a_member_and_asking_again_shows_it_registered()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Reserve("bob", "Bob"));
        await SendAsync("<iq type='set' id='c' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
            "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>");

        var entered = await JoinAsync("bob", "lounge", "Bob");
        var again = Assert.Single(await SendAsync("<iq type='get' id='g' from='bob@localhost/phone' to='lounge@rooms.localhost'><query xmlns='jabber:iq:register'/></iq>"));
        var stranger = Assert.Single(await SendAsync(Reserve("carol", "Carol")));

        var self = entered.Single(s => s.Name.LocalName == "presence" && Codes(s).Contains(110));
        Assert.Equal("member", (string?)self.Descendants(MucNs.User + "item").Single().Attribute("affiliation"));
        Assert.NotNull(again.Descendants(Register + "registered").SingleOrDefault());
        Assert.Equal("Bob", again.Descendants(Register + "username").Single().Value);
        Assert.Equal("not-allowed", Condition(stranger)); // a members-only room takes no new members by registration
        Assert.Null((await Store.LoadAsync(Jid.Parse("lounge@rooms.localhost"), CancellationToken.None))!.Nicks.GetValueOrDefault("carol@localhost"));
    }

    [Fact]
    public async Task A_second_account_cannot_reserve_a_taken_nickname_and_bad_forms_and_banned_accounts_are_refused_changing_nothing()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Reserve("bob", "Bob"));
        await SendAsync("<iq type='set' id='a' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='mallory@localhost'/></query></iq>");

        var taken = Assert.Single(await SendAsync(Reserve("carol", "bob")));
        var inUse = Assert.Single(await SendAsync(Reserve("carol", "alice")));
        var invisible = Assert.Single(await SendAsync(Reserve("carol", "Bo\u200bb")));
        var empty = Assert.Single(await SendAsync(Reserve("carol", "")));
        var noForm = Assert.Single(await SendAsync("<iq type='set' id='r' from='carol@localhost/phone' to='lounge@rooms.localhost'><query xmlns='jabber:iq:register'/></iq>"));
        var wrongType = Assert.Single(await SendAsync(Reserve("carol", "Carol").Replace("muc#register</value>", "muc#roomconfig</value>", StringComparison.Ordinal)));
        var banned = Assert.Single(await SendAsync(Reserve("mallory", "Mallory")));
        var noRoom = Assert.Single(await SendAsync(Reserve("carol", "Carol", room: "nowhere")));

        Assert.Equal(["conflict", "conflict", "not-acceptable", "not-acceptable", "bad-request", "bad-request", "forbidden", "item-not-found"],
            new[] { taken, inUse, invisible, empty, noForm, wrongType, banned, noRoom }.Select(Condition));
        var stored = (await Store.LoadAsync(Jid.Parse("lounge@rooms.localhost"), CancellationToken.None))!;
        Assert.Equal(new Dictionary<string, string> { ["bob@localhost"] = "Bob" }, stored.Nicks);
        Assert.False(stored.Affiliations.ContainsKey("carol@localhost"));
    }

    [Fact]
    public async Task Unregistering_ends_the_reservation_and_the_membership_and_a_ban_ends_the_reservation()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Reserve("bob", "Bob"));
        await SendAsync(Reserve("carol", "Carol"));

        var removed = Assert.Single(await SendAsync(Unregister("bob")));
        var twice = Assert.Single(await SendAsync(Unregister("bob")));
        await SendAsync("<iq type='set' id='a' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='carol@localhost'/></query></iq>");
        var nowFree = await JoinAsync("mallory", "lounge", "Bob");
        var bannedCarol = Assert.Single(await JoinAsync("carol", "lounge", "Carol"));

        Assert.Equal("result", (string?)removed.Attribute("type"));
        Assert.Equal("item-not-found", Condition(twice));
        Assert.Contains(nowFree, s => Codes(s).Contains(110));
        Assert.Null(await ReservedNickAsync("bob"));
        var stored = (await Store.LoadAsync(Jid.Parse("lounge@rooms.localhost"), CancellationToken.None))!;
        Assert.Empty(stored.Nicks);
        Assert.False(stored.Affiliations.ContainsKey("bob@localhost"));
        Assert.Equal(Affiliation.Outcast, stored.Affiliations["carol@localhost"]);
        Assert.Equal("forbidden", Condition(bannedCarol));
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_reservations_in_the_store_and_in_the_loaded_rooms_and_the_export_lists_them()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync(Reserve("bob", "Bob"));
        var policy = new RoomsDataPolicy(new Domains("localhost", "privacy.localhost", null, Domain), Options, Database);
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            await policy.ExportAsync(Account.Parse("bob@localhost"), json, Start, CancellationToken.None);
            json.WriteEndObject();
        }
        var exported = JsonDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray())).RootElement.GetProperty("roomAffiliations").EnumerateArray().Single();

        await new RoomAccounts(Store, Service).DeleteAccountAsync(Account.Parse("bob@localhost"), CancellationToken.None);
        var entered = await JoinAsync("mallory", "lounge", "Bob");

        Assert.Equal(("lounge@rooms.localhost", "member", "Bob"),
            (exported.GetProperty("room").GetString(), exported.GetProperty("affiliation").GetString(), exported.GetProperty("nick").GetString()));
        Assert.Contains(entered, s => Codes(s).Contains(110));
        Assert.Empty((await Store.LoadAsync(Jid.Parse("lounge@rooms.localhost"), CancellationToken.None))!.Nicks);
    }
}
