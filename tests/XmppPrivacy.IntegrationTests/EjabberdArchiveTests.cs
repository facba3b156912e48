using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The archive's queries through a real ejabberd 23.01: delegation and privilege version 1. ejabberd has no
/// bridge, so no message reaches the archive and turning archiving on is refused rather than promised.
/// </summary>
[Collection(RealServers.Name)]
public sealed class EjabberdArchiveTests
{
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";

    [Fact]
    public async Task Queries_and_prefs_reach_the_component_by_delegation_1_and_results_come_back_from_the_users_account()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd);
        await component.WaitForAllConnectedAsync();
        await ComponentChecks.WaitForDelegationAsync(component);
        await ejabberd.RegisterAsync("alice", "alice-secret");
        await ejabberd.RegisterAsync("bob", "bob-secret");
        await using var alice = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "bob", "bob-secret");

        var prefs = await alice.IqAsync("<iq type='get'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
        var optIn = await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
        Assert.Equal("never", (string?)prefs.Element(Mam + "prefs")?.Attribute("default"));
        Assert.Equal("error", (string?)optIn.Attribute("type"));
        Assert.NotNull(optIn.Descendants(Ns.Stanzas + "feature-not-implemented").SingleOrDefault());
        await alice.SendAsync("<message type='chat' to='bob@localhost' id='m1'><body>not archived</body></message>");
        await bob.WaitForAsync(e => (string?)e.Attribute("id") == "m1");

        // What an archive holds (here put in directly) is served through ejabberd like on Prosody.
        var store = component.Services.GetRequiredService<ArchiveStore>();
        var now = DateTimeOffset.UtcNow;
        foreach (var (body, ago) in new[] { ("first", 2), ("second", 1) })
            await store.AppendAsync(Jid.Parse("alice@localhost"), Jid.Parse("bob@localhost"), ArchiveDirection.In, now - TimeSpan.FromSeconds(ago),
                new XElement(Ns.Client + "message", new XAttribute("from", "bob@localhost/pc"), new XAttribute("to", "alice@localhost"),
                    new XAttribute("type", "chat"), new XElement(Ns.Client + "body", body)), null, CancellationToken.None);
        var fin = await alice.IqAsync("<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='e1'/></iq>");
        var results = new List<XElement>();
        for (var i = 0; i < 2; i++)
            results.Add(await alice.WaitForAsync(e => e.Element(Mam + "result") is { } r && (string?)r.Attribute("queryid") == "e1"));
        var stolen = await bob.IqAsync("<iq type='set' to='alice@localhost'><query xmlns='urn:xmpp:mam:2' queryid='steal'/></iq>");

        Assert.Equal("result", (string?)fin.Attribute("type"));
        Assert.Equal("true", (string?)fin.Element(Mam + "fin")?.Attribute("complete"));
        Assert.Equal("2", fin.Descendants(Rsm + "count").Single().Value);
        Assert.All(results, r => Assert.Equal("alice@localhost", (string?)r.Attribute("from")));
        Assert.Equal(["first", "second"], results.Select(r => r.Descendants(Ns.Client + "body").Single().Value));
        Assert.Equal("error", (string?)stolen.Attribute("type"));
        Assert.NotNull(stolen.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.Equal(2, await ArchiveCountAsync(store));
        Assert.Empty(component.ErrorLines());
    }

    private static async Task<int> ArchiveCountAsync(ArchiveStore store) =>
        (await store.QueryAsync(Jid.Parse("alice@localhost"), new ArchiveQuery(), DateTimeOffset.UtcNow, CancellationToken.None)).Value!.Count;
}
