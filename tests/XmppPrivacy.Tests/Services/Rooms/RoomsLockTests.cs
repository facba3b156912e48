using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Rooms;

/// <summary>Locked new rooms (XEP-0045 §10.1): nobody else enters until the creator configures the room; unconfigured rooms go.</summary>
public sealed class RoomsLockTests : RoomsTestHarness
{
    private Task<IReadOnlyList<System.Xml.Linq.XElement>> CreateAsync(string user, string room, string nick) =>
        SendAsync($"<presence from='{user}@localhost/phone' to='{room}@{Domain}/{nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>");

    [Fact]
    public async Task A_new_room_refuses_others_with_item_not_found_until_its_creator_submits_the_instant_form()
    {
        var created = await CreateAsync("alice", "lounge", "Alice");
        var whileLocked = Assert.Single(await JoinAsync("bob", "lounge", "Bob"));
        var listed = Assert.Single(await SendAsync($"<iq type='get' id='l' from='eve@localhost/phone' to='{Domain}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"));
        var instant = Assert.Single(await SendAsync(InstantForm("alice", "lounge")));
        var afterwards = await JoinAsync("bob", "lounge", "Bob");

        Assert.Equal([110, 201], Codes(created.First(s => s.Name.LocalName == "presence")));
        Assert.Equal("item-not-found", Condition(whileLocked));
        Assert.Empty(listed.Descendants(Ns.DiscoItems + "item"));
        Assert.Equal("result", (string?)instant.Attribute("type"));
        Assert.Contains(afterwards, s => s.Name.LocalName == "presence" && Codes(s).SequenceEqual([110]));
        Assert.Null((await Store.LoadAsync(Jid.Parse($"lounge@{Domain}"), CancellationToken.None))!.LockedUntil);
    }

    [Fact]
    public async Task A_room_never_configured_is_destroyed_when_the_lock_runs_out_also_after_a_restart()
    {
        await CreateAsync("alice", "lounge", "Alice");
        await CreateAsync("alice", "attic", "Alice");
        Restart(); // the lock of "attic" was stored; its timer went with the old service
        Time.Advance(RoomsService.LockTimeout + TimeSpan.FromSeconds(1));

        var attic = await CreateAsync("bob", "attic", "Bob");
        var lounge = await CreateAsync("bob", "lounge", "Bob");

        // Each is a new room, bob's: the old ones were deleted when the service found their lock run out.
        Assert.Contains(attic, s => s.Name.LocalName == "presence" && Codes(s).Contains(201));
        Assert.Contains(lounge, s => s.Name.LocalName == "presence" && Codes(s).Contains(201));
        Assert.Equal(Affiliation.Owner, (await Store.LoadAsync(Jid.Parse($"lounge@{Domain}"), CancellationToken.None))!.Affiliations["bob@localhost"]);
        Assert.False((await Store.LoadAsync(Jid.Parse($"lounge@{Domain}"), CancellationToken.None))!.Affiliations.ContainsKey("alice@localhost"));
    }

    [Fact]
    public async Task The_lock_timer_destroys_a_room_left_unconfigured_while_its_creator_is_in_it_and_spares_a_configured_one()
    {
        await CreateAsync("alice", "lounge", "Alice");
        await CreateAsync("carol", "kept", "Carol");
        await SendAsync(InstantForm("carol", "kept"));

        Time.Advance(RoomsService.LockTimeout + TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Service.LoadedRooms == 1);

        Assert.Null(await Store.LoadAsync(Jid.Parse($"lounge@{Domain}"), CancellationToken.None));
        Assert.NotNull(await Store.LoadAsync(Jid.Parse($"kept@{Domain}"), CancellationToken.None));
    }

    [Fact]
    public async Task A_creator_who_cancels_the_initial_configuration_destroys_the_room_and_one_who_leaves_it_too()
    {
        await CreateAsync("alice", "lounge", "Alice");
        await CreateAsync("alice", "attic", "Alice");

        var cancelling = await SendAsync($"<iq type='set' id='c' from='alice@localhost/phone' to='lounge@{Domain}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>");
        await SendAsync($"<presence type='unavailable' from='alice@localhost/phone' to='attic@{Domain}/Alice'/>");

        Assert.Equal("result", (string?)cancelling.Single(s => s.Name.LocalName == "iq").Attribute("type"));
        Assert.NotNull(cancelling.Single(s => s.Name.LocalName == "presence").Descendants(MucNs.User + "destroy").SingleOrDefault());
        Assert.Null(await Store.LoadAsync(Jid.Parse($"lounge@{Domain}"), CancellationToken.None));
        Assert.Null(await Store.LoadAsync(Jid.Parse($"attic@{Domain}"), CancellationToken.None));
        Assert.Equal(0, Service.LoadedRooms);
    }

    /// <summary>Waits for the timer's work, which runs beside the test once the fake clock fired it.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
