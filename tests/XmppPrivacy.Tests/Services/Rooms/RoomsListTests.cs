using System.Xml.Linq;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>The service's disco#items: every room anyone may find, from the database, paged by XEP-0059.</summary>
public sealed class RoomsListTests : RoomsTestHarness
{
    private static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";

    private async Task<XElement> ListAsync(string set = "") =>
        Assert.Single(await SendAsync($"<iq type='get' id='l' from='eve@localhost/phone' to='{Domain}'><query xmlns='http://jabber.org/protocol/disco#items'>{set}</query></iq>"));

    private static List<string?> Items(XElement reply) => reply.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("jid")).ToList();

    private static string? Rsm_(XElement reply, string name) => reply.Descendants(Rsm + name).SingleOrDefault()?.Value;

    private async Task SeedAsync(int count)
    {
        for (var i = 0; i < count; i++)
            await Store.SaveAsync(new Room(Jid.Parse($"room{i:D3}@{Domain}"), new RoomConfig { Persistent = true, HistoryLength = 10 }), CancellationToken.None);
        await Store.SaveAsync(new Room(Jid.Parse($"club@{Domain}"), new RoomConfig { Persistent = true, MembersOnly = true }), CancellationToken.None);
        await Store.SaveAsync(new Room(Jid.Parse($"secret@{Domain}"), new RoomConfig { Persistent = true, Password = "pw" }), CancellationToken.None);
    }

    [Fact]
    public async Task Rooms_not_in_memory_are_listed_in_pages_of_at_most_a_hundred_with_first_last_and_count()
    {
        await SeedAsync(250);
        Restart();

        var first = await ListAsync();
        var second = await ListAsync($"<set xmlns='http://jabber.org/protocol/rsm'><max>1000000</max><after>{Rsm_(first, "last")}</after></set>");
        var third = await ListAsync($"<set xmlns='http://jabber.org/protocol/rsm'><after>{Rsm_(second, "last")}</after></set>");
        var last = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><max>10</max><before/></set>");
        var countOnly = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><max>0</max></set>");

        Assert.Equal(0, Service.LoadedRooms);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"room{i:D3}@{Domain}"), Items(first));
        Assert.Equal(("250", "0"), (Rsm_(first, "count"), (string?)first.Descendants(Rsm + "first").Single().Attribute("index")));
        Assert.Equal(Enumerable.Range(100, 100).Select(i => $"room{i:D3}@{Domain}"), Items(second));
        Assert.Equal("100", (string?)second.Descendants(Rsm + "first").Single().Attribute("index"));
        Assert.Equal(Enumerable.Range(200, 50).Select(i => $"room{i:D3}@{Domain}"), Items(third));
        Assert.Equal(Enumerable.Range(240, 10).Select(i => $"room{i:D3}@{Domain}"), Items(last));
        Assert.Empty(Items(countOnly));
        Assert.Equal("250", Rsm_(countOnly, "count"));
        Assert.DoesNotContain($"club@{Domain}", Items(first).Concat(Items(second)).Concat(Items(third)));
        Assert.DoesNotContain($"secret@{Domain}", Items(first).Concat(Items(second)).Concat(Items(third)));
    }

    [Fact]
    public async Task A_short_list_comes_without_a_set_and_a_new_room_is_listed_by_its_name()
    {
        await JoinAsync("alice", "lounge", "Alice");
        await SendAsync("<iq type='set' id='c' from='alice@localhost/phone' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
            "<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname'><value>The Lounge</value></field></x></query></iq>");
        await SendAsync("<presence type='unavailable' from='alice@localhost/phone' to='lounge@rooms.localhost/Alice'/>");

        var list = await ListAsync();

        var item = Assert.Single(list.Descendants(Ns.DiscoItems + "item"));
        Assert.Equal(($"lounge@{Domain}", "The Lounge"), ((string?)item.Attribute("jid"), (string?)item.Attribute("name")));
        Assert.Null(list.Descendants(Rsm + "set").SingleOrDefault());
    }

    [Fact]
    public async Task Hostile_result_set_requests_are_refused_with_the_right_error()
    {
        await SeedAsync(3);

        var notNumber = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><max>lots</max></set>");
        var negative = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><max>-1</max></set>");
        var index = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><index>2</index></set>");
        var both = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><after>a</after><before>b</before></set>");
        var nested = await ListAsync("<set xmlns='http://jabber.org/protocol/rsm'><after><x/></after></set>");
        var huge = await ListAsync($"<set xmlns='http://jabber.org/protocol/rsm'><after>{new string('a', 100_000)}</after></set>");

        Assert.Equal(["bad-request", "bad-request", "feature-not-implemented", "bad-request", "bad-request", "bad-request"],
            new[] { notNumber, negative, index, both, nested, huge }.Select(Condition));
    }
}
