using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The opt-in archive through a real Prosody: prefs and queries by delegation, copies from the bridge.</summary>
[Collection(RealServers.Name)]
public sealed class ArchiveTests
{
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private static readonly XNamespace Sid = "urn:xmpp:sid:0";

    [Fact]
    public async Task Nothing_is_stored_before_opt_in_and_after_it_both_directions_are_archived_and_served()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);

        // The account advertises what the component supports (XEP-0355 bare nesting node).
        var account = await alice.IqAsync("<iq type='get' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        Assert.Contains("urn:xmpp:mam:2#extended", account.Descendants(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
        var prefs = await alice.IqAsync("<iq type='get'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
        Assert.Equal("never", (string?)prefs.Element(Mam + "prefs")!.Attribute("default"));
        await ChatAsync(bob, alice, "before opt-in");
        Assert.Equal(0, ArchiveRows(component));
        Assert.Empty(await QueryAsync(alice, "q0"));

        var set = await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
        Assert.Equal("always", (string?)set.Element(Mam + "prefs")!.Attribute("default"));
        var delivered = await ChatAsync(bob, alice, "hello alice");
        await ChatAsync(alice, bob, "hello bob");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 2), TimeSpan.FromSeconds(10), "both messages are archived");

        var results = await QueryAsync(alice, "q1");
        Assert.Equal(["hello alice", "hello bob"], results.Select(r => r.Descendants(Ns.Client + "body").Single().Value));
        var stanzaId = delivered.Elements(Sid + "stanza-id").Single(s => (string?)s.Attribute("by") == "alice@localhost");
        Assert.Equal((string?)stanzaId.Attribute("id"), (string?)results[0].Attribute("id"));
        Assert.Equal(2, ArchiveRows(component)); // bob never opted in: nothing of his is kept
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task When_both_local_users_archive_one_shared_copy_fills_both_archives_and_each_owners_preferences_still_decide()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("alice", "alice-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        await prosody.RegisterAsync("carol", "carol-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");
        Assert.Equal("result", (string?)(await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));
        Assert.Equal("result", (string?)(await bob.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));
        // carol archives, but never her messages with alice.
        Assert.Equal("result", (string?)(await carol.IqAsync(
            "<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'><never><jid>alice@localhost</jid></never></prefs></iq>")).Attribute("type"));

        var toBob = await ChatAsync(alice, bob, "alice to bob");
        var toAlice = await ChatAsync(bob, alice, "bob to alice");
        await ChatAsync(alice, carol, "alice to carol");
        await ChatAsync(carol, bob, "carol to bob");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 7), TimeSpan.FromSeconds(10), "every kept copy is archived");

        var ofAlice = await QueryAsync(alice, "a");
        Assert.Equal(["alice to bob", "bob to alice", "alice to carol"], ofAlice.Select(r => r.Descendants(Ns.Client + "body").Single().Value));
        var ofBob = await QueryAsync(bob, "b");
        Assert.Equal(["alice to bob", "bob to alice", "carol to bob"], ofBob.Select(r => r.Descendants(Ns.Client + "body").Single().Value));
        var ofCarol = await QueryAsync(carol, "c");
        Assert.Equal(["carol to bob"], ofCarol.Select(r => r.Descendants(Ns.Client + "body").Single().Value));
        // The stanza-id each recipient got live is the id of the message in the recipient's archive, and ids are never shared.
        Assert.Equal((string?)toBob.Elements(Sid + "stanza-id").Single(s => (string?)s.Attribute("by") == "bob@localhost").Attribute("id"),
            (string?)ofBob[0].Attribute("id"));
        Assert.Equal((string?)toAlice.Elements(Sid + "stanza-id").Single(s => (string?)s.Attribute("by") == "alice@localhost").Attribute("id"),
            (string?)ofAlice[1].Attribute("id"));
        Assert.NotEqual((string?)ofAlice[0].Attribute("id"), (string?)ofBob[0].Attribute("id"));
        // What is stored carries no claim: neither the recipient's stanza-id nor anything else of ours.
        Assert.All(ofAlice.Concat(ofBob).Concat(ofCarol), r => Assert.Empty(r.Descendants(Sid + "stanza-id")));
        Assert.Equal(7, ArchiveRows(component)); // carol keeps nothing with alice
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Markup_quotes_and_foreign_elements_in_a_message_are_archived_exactly_as_sent_for_both_local_owners()
    {
        // The bridge writes each copy as text once (no stanza tree): everything that needs escaping must survive it.
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);
        foreach (var client in new[] { alice, bob })
            Assert.Equal("result", (string?)(await client.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));

        const string body = "Tom & Jerry <b>bold</b> \"double\" 'single' ]]> café — ok";
        const string id = "q'1&2\"3";
        const string note = "a<b \"c\" 'd' & e";
        await alice.SendAsync("<message type='chat' to='bob@localhost' xml:lang='fr' id=\"q'1&amp;2&quot;3\">"
            + "<body>Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; &quot;double&quot; &apos;single&apos; ]]&gt; café — ok</body>"
            + "<x xmlns='urn:example:markup' note='a&lt;b \"c\" &apos;d&apos; &amp; e'><y/></x></message>");
        await bob.WaitForAsync(e => e.Name.LocalName == "message" && (string?)e.Attribute("id") == id);
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 2), TimeSpan.FromSeconds(10), "both copies are archived");

        foreach (var (client, queryId) in new[] { (alice, "a"), (bob, "b") })
        {
            var message = (await QueryAsync(client, queryId)).Single().Descendants(Ns.Client + "message").Single();
            Assert.Equal(id, (string?)message.Attribute("id"));
            Assert.Equal("fr", (string?)message.Attribute(XNamespace.Xml + "lang"));
            Assert.Equal(body, message.Element(Ns.Client + "body")!.Value);
            var foreign = message.Element(XName.Get("x", "urn:example:markup"))!;
            Assert.Equal(note, (string?)foreign.Attribute("note"));
            Assert.NotNull(foreign.Element(XName.Get("y", "urn:example:markup")));
        }
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Paging_backwards_like_Conversations_and_forwards_like_Gajim_gets_every_message_exactly_once()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        var (alice, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = alice;
        await using var __ = bob;
        const int total = 120;
        for (var i = 0; i < total; i++)
            await bob.SendAsync($"<message type='chat' to='alice@localhost' id='m{i}'><body>message {i}</body></message>");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == total), TimeSpan.FromSeconds(30), "every message is archived");

        var backwards = new List<string>();
        var before = "";
        for (var page = 0; ; page++)
        {
            var (results, fin) = await QueryPageAsync(alice, $"b{page}", $"<max>50</max><before>{before}</before>");
            backwards.InsertRange(0, results.Select(Body));
            if ((string?)fin.Attribute("complete") == "true") break;
            before = fin.Descendants(Rsm + "first").Single().Value;
        }

        var forwards = new List<string>();
        var after = "";
        for (var page = 0; ; page++)
        {
            var (results, fin) = await QueryPageAsync(alice, $"f{page}", after.Length == 0 ? "<max>70</max>" : $"<max>70</max><after>{after}</after>");
            Assert.True(results.Count <= 50, "pages are capped at Archive:MaxPageSize");
            forwards.AddRange(results.Select(Body));
            if ((string?)fin.Attribute("complete") == "true") break;
            after = fin.Descendants(Rsm + "last").Single().Value;
        }

        var expected = Enumerable.Range(0, total).Select(i => $"message {i}").ToList();
        Assert.Equal(expected, backwards);
        Assert.Equal(expected, forwards);
    }

    [Fact]
    public async Task An_expired_message_is_never_served_and_is_gone_after_one_sweep()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>
        {
            ["Archive:ExpiresAfter"] = "5s",
            ["Sweeps:Interval"] = "1s",
        });
        var (alice, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = alice;
        await using var __ = bob;

        await ChatAsync(bob, alice, "short-lived");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 1), TimeSpan.FromSeconds(10), "the message is archived");
        Assert.Single(await QueryAsync(alice, "live"));
        var archive = (await component.HealthAsync()).GetProperty("archive");
        Assert.InRange(archive.GetProperty("oldestMessageAgeSeconds").GetDouble(), 0, 5);
        Assert.Equal(5, archive.GetProperty("expiresAfterSeconds").GetDouble());

        await Repo.WaitUntilAsync(async () => (await QueryAsync(alice, Guid.NewGuid().ToString("N"))).Count == 0, TimeSpan.FromSeconds(10), "the message is no longer served");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 0), TimeSpan.FromSeconds(5), "the sweep deleted it");
    }

    [Fact]
    public async Task Messages_sent_while_the_component_restarts_are_all_archived_once()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        using var shared = new SharedDatabase("xp-archive-restart");
        var first = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        var (alice, bob) = await OptedInPairAsync(prosody, first);
        await using var _ = alice;
        await using var __ = bob;
        for (var i = 0; i < 10; i++)
            await bob.SendAsync($"<message type='chat' to='alice@localhost' id='a{i}'><body>before {i}</body></message>");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(first) == 10), TimeSpan.FromSeconds(10), "the first ten are archived");

        await first.DisposeAsync();
        for (var i = 0; i < 10; i++)
            await bob.SendAsync($"<message type='chat' to='alice@localhost' id='b{i}'><body>meanwhile {i}</body></message>");
        await using var second = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(second) == 20), TimeSpan.FromSeconds(20), "the queued ten are replayed");

        var results = await QueryAsync(alice, "all");
        Assert.Equal(20, results.Select(r => (string?)r.Attribute("id")).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"before {i}").Concat(Enumerable.Range(0, 10).Select(i => $"meanwhile {i}")),
            results.Select(Body));
    }

    [Fact]
    public async Task A_backlog_of_rich_messages_is_replayed_in_batches_within_the_components_stanza_limits()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        using var shared = new SharedDatabase("xp-archive-backlog");
        var first = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        var (alice, bob) = await OptedInPairAsync(prosody, first);
        await using var _ = alice;
        await using var __ = bob;
        await first.DisposeAsync();

        // 100 messages of 62 elements each wait in the bridge: 6,200 elements, more than the component
        // accepts in one stanza (Component:MaxElements, 5,000), so the replay must come in several batches.
        var extras = string.Concat(Enumerable.Range(0, 60).Select(i => $"<x xmlns='urn:example:rich' n='{i}'/>"));
        for (var i = 0; i < 100; i++)
            await bob.SendAsync($"<message type='chat' to='alice@localhost' id='r{i}'><body>rich {i}</body>{extras}</message>");
        await alice.WaitForAsync(e => (string?)e.Attribute("id") == "r99");
        await using var second = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(second) == 100), TimeSpan.FromSeconds(20), "the backlog is archived");

        Assert.DoesNotContain("closing the stream", second.Log, StringComparison.Ordinal);
        Assert.Empty(second.ErrorLines());
    }

    [Fact]
    public async Task Nobody_can_read_or_change_another_users_archive()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        var (alice, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = alice;
        await using var __ = bob;
        await ChatAsync(bob, alice, "for alice only");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 1), TimeSpan.FromSeconds(10), "the message is archived");

        // Bob addresses alice's account: Prosody delegates it with to='alice@localhost', and it is refused.
        var query = await bob.IqAsync("<iq type='set' to='alice@localhost'><query xmlns='urn:xmpp:mam:2' queryid='steal'/></iq>");
        var prefs = await bob.IqAsync("<iq type='set' to='alice@localhost'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>");
        // A form field naming alice reads only bob's own (empty) archive.
        var own = await bob.IqAsync("<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='with'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>alice@localhost</value></field></x></query></iq>");

        Assert.NotNull(query.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.NotNull(prefs.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.Equal("result", (string?)own.Attribute("type"));
        Assert.Equal("0", own.Descendants(Rsm + "count").Single().Value);
        Assert.Equal("always", (string?)(await alice.IqAsync("<iq type='get'><prefs xmlns='urn:xmpp:mam:2'/></iq>")).Element(Mam + "prefs")!.Attribute("default"));
        Assert.Single(await QueryAsync(alice, "mine"));
    }

    [Fact]
    public async Task A_flood_of_queries_from_one_user_gets_resource_constraint_beyond_the_limit_while_others_are_answered()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?> { ["Component:MaxRequestsPerUser"] = "1" });
        var (alice, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = alice;
        await using var __ = bob;
        for (var i = 0; i < 60; i++)
            await bob.SendAsync($"<message type='chat' to='alice@localhost' id='m{i}'><body>message {i}</body></message>");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 60), TimeSpan.FromSeconds(30), "every message is archived");

        // 100 queries of 50 results each in one write, as fast as a misbehaving client can send them.
        await alice.SendAsync(string.Concat(Enumerable.Range(0, 100).Select(i =>
            $"<iq type='set' id='flood{i}'><query xmlns='urn:xmpp:mam:2' queryid='flood{i}'/></iq>")));
        var others = await bob.IqAsync("<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='bob'/></iq>", TimeSpan.FromSeconds(30));
        var answers = new List<XElement>();
        for (var i = 0; i < 100; i++)
        {
            var id = $"flood{i}";
            answers.Add(await alice.WaitForAsync(e => e.Name == Ns.Component + "iq" && (string?)e.Attribute("id") == id, TimeSpan.FromSeconds(60)));
        }

        Assert.Equal("result", (string?)others.Attribute("type"));
        var refused = answers.Where(a => (string?)a.Attribute("type") == "error").ToList();
        Assert.All(refused, r => Assert.Equal("wait", (string?)r.Element(Ns.Component + "error")?.Attribute("type")));
        Assert.All(refused, r => Assert.NotNull(r.Descendants(Ns.Stanzas + "resource-constraint").SingleOrDefault()));
        Assert.NotEmpty(refused);
        Assert.All(answers.Except(refused), a => Assert.Equal("60", a.Descendants(Rsm + "count").Single().Value));
        // Once the answers are in, the limit is free again.
        var (results, fin) = await QueryPageAsync(alice, "after", "<max>10</max><before/>");
        Assert.Equal(10, results.Count);
        Assert.Equal("60", fin.Descendants(Rsm + "count").Single().Value);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task With_the_roster_policy_only_messages_with_contacts_in_the_roster_are_archived()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        foreach (var name in new[] { "alice", "bob", "carol" }) await prosody.RegisterAsync(name, name + "-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");
        var added = await alice.IqAsync("<iq type='set'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'/></query></iq>");
        Assert.Equal("result", (string?)added.Attribute("type"));
        var set = await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>");
        Assert.Equal("roster", (string?)set.Element(Mam + "prefs")!.Attribute("default"));

        await ChatAsync(carol, alice, "from a stranger");
        await ChatAsync(bob, alice, "from a contact");
        await ChatAsync(alice, carol, "to a stranger");
        await ChatAsync(alice, bob, "to a contact");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 2), TimeSpan.FromSeconds(10), "the contact's messages are archived");
        // Copies are handled in the order sent: the strangers' messages went first and were not kept.

        Assert.Equal(["from a contact", "to a contact"], (await QueryAsync(alice, "roster")).Select(Body));
        Assert.Equal(2, ArchiveRows(component));
        Assert.Empty(component.ErrorLines());
        Assert.DoesNotContain("did not give a roster", component.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_carbons_on_two_devices_each_message_is_archived_once()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        var (phone, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = phone;
        await using var __ = bob;
        await using var laptop = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret", "laptop");
        foreach (var device in new[] { phone, laptop })
            Assert.Equal("result", (string?)(await device.IqAsync("<iq type='set'><enable xmlns='urn:xmpp:carbons:2'/></iq>")).Attribute("type"));

        await ChatAsync(bob, phone, "to alice's account");
        await phone.SendAsync("<message type='chat' to='bob@localhost' id='from-phone'><body>from the phone</body></message>");
        var carbon = await laptop.WaitForAsync(e => e.Element(XName.Get("sent", "urn:xmpp:carbons:2")) is not null);
        await bob.SendAsync("<message type='chat' to='alice@localhost/laptop' id='to-laptop'><body>to the laptop</body></message>");
        var received = await phone.WaitForAsync(e => e.Element(XName.Get("received", "urn:xmpp:carbons:2")) is not null);
        await phone.SendAsync("<message type='chat' to='alice@localhost/laptop' id='note'><body>note to self</body></message>");
        await laptop.WaitForAsync(e => (string?)e.Attribute("id") == "note");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) >= 4), TimeSpan.FromSeconds(10), "the messages are archived");

        Assert.NotNull(carbon);
        Assert.NotNull(received);
        var results = await QueryAsync(phone, "carbons");
        Assert.Equal(["to alice's account", "from the phone", "to the laptop", "note to self"], results.Select(Body));
        Assert.Equal(4, ArchiveRows(component));
    }

    [Fact]
    public async Task On_a_full_disk_copies_wait_in_the_bridge_and_are_all_archived_once_when_there_is_room_again()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var path = Path.Combine(Repo.TempDirectory("xp-full"), "xmpp-privacy.db");
        var disk = new FullDiskDatabase(new SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas));
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?> { ["Storage:Path"] = path },
            services => services.AddSingleton<IDatabase>(disk));
        var (alice, bob) = await OptedInPairAsync(prosody, component);
        await using var _ = alice;
        await using var __ = bob;
        for (var i = 0; i < 5; i++)
            await ChatAsync(bob, alice, $"message {i}");
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 5), TimeSpan.FromSeconds(10), "the first messages are archived");

        disk.Full = true;
        for (var i = 5; i < 60; i++)
            await ChatAsync(bob, alice, $"message {i}"); // delivery does not depend on the archive
        await Repo.WaitUntilAsync(() => Task.FromResult(component.ErrorLines().Any()), TimeSpan.FromSeconds(10), "the component failed to store a copy");
        var whileFull = ArchiveRows(component);
        disk.Full = false;
        await Repo.WaitUntilAsync(() => Task.FromResult(ArchiveRows(component) == 60), TimeSpan.FromSeconds(90), "every copy is archived after the disk has room");

        Assert.InRange(whileFull, 5, 59);
        var (results, fin) = await QueryPageAsync(alice, "after-full", "<max>50</max><before/>");
        var (older, _) = await QueryPageAsync(alice, "after-full-2", $"<max>50</max><before>{fin.Descendants(Rsm + "first").Single().Value}</before>");
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"message {i}"), older.Concat(results).Select(Body));
        Assert.Equal(60, ArchiveRows(component));
        Assert.All(component.ErrorLines(), line => Assert.Contains("SqliteException", line, StringComparison.Ordinal));
    }

    private static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";

    /// <summary>A database that components started one after the other share (<c>Storage:Path</c>); deleted at the end.</summary>
    private sealed class SharedDatabase(string name) : IDisposable
    {
        private readonly string _directory = Repo.TempDirectory(name);

        public Dictionary<string, string?> Settings => new() { ["Storage:Path"] = Path.Combine(_directory, "xmpp-privacy.db") };

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string Body(XElement result) => result.Descendants(Ns.Client + "body").Single().Value;

    private static async Task<(XmppTestClient Alice, XmppTestClient Bob)> OptedInPairAsync(ProsodyServer prosody, ComponentUnderTest component)
    {
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("alice", "alice-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        var set = await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
        Assert.Equal("result", (string?)set.Attribute("type"));
        return (alice, bob);
    }

    private static async Task<(List<XElement> Results, XElement Fin)> QueryPageAsync(XmppTestClient client, string queryId, string rsm)
    {
        var answer = await client.IqAsync($"<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='{queryId}'><set xmlns='http://jabber.org/protocol/rsm'>{rsm}</set></query></iq>");
        Assert.Equal("result", (string?)answer.Attribute("type"));
        var fin = answer.Element(Mam + "fin")!;
        var results = new List<XElement>();
        var ids = new[] { "first", "last" }.Select(n => fin.Descendants(Rsm + n).SingleOrDefault()?.Value).OfType<string>().ToHashSet();
        // Every result of the page comes before the fin; the page ends with the results named first and last.
        while (ids.Count > 0)
        {
            var message = await client.WaitForAsync(e => e.Element(Mam + "result") is { } r && (string?)r.Attribute("queryid") == queryId, TimeSpan.FromSeconds(5));
            var result = message.Element(Mam + "result")!;
            results.Add(result);
            ids.Remove((string)result.Attribute("id")!);
        }
        return (results, fin);
    }

    /// <summary>Sends a chat message and returns it as the recipient got it.</summary>
    internal static async Task<XElement> ChatAsync(XmppTestClient from, XmppTestClient to, string body)
    {
        var id = Guid.NewGuid().ToString("N");
        await from.SendAsync($"<message type='chat' to='{to.Jid!.Split('/')[0]}' id='{id}'><body>{body}</body></message>");
        return await to.WaitForAsync(e => e.Name == Ns.Component + "message" && (string?)e.Attribute("id") == id);
    }

    /// <summary>A MAM query as a client sends it; returns the result elements that arrived before the fin.</summary>
    internal static async Task<List<XElement>> QueryAsync(XmppTestClient client, string queryId)
    {
        var fin = await client.IqAsync($"<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='{queryId}'/></iq>");
        Assert.Equal("result", (string?)fin.Attribute("type"));
        Assert.Equal("true", (string?)fin.Element(Mam + "fin")!.Attribute("complete"));
        var results = new List<XElement>();
        var count = int.Parse(fin.Descendants(XName.Get("count", "http://jabber.org/protocol/rsm")).Single().Value);
        for (var i = 0; i < count; i++)
        {
            var message = await client.WaitForAsync(e => e.Element(Mam + "result") is { } r && (string?)r.Attribute("queryid") == queryId, TimeSpan.FromSeconds(5));
            Assert.Equal(client.Jid!.Split('/')[0], (string?)message.Attribute("from"));
            results.Add(message.Element(Mam + "result")!);
        }
        return results;
    }

    private static long ArchiveRows(ComponentUnderTest component) =>
        (long)DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages")!;
}
