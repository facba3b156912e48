using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;
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
        await component.WaitForAllConnectedAsync();
        await Repo.WaitUntilAsync(async () => (await component.HealthAsync()).GetProperty("bridge").GetProperty("present").GetBoolean(),
            TimeSpan.FromSeconds(15), "the bridge answered hello");
        await prosody.RegisterAsync("alice", "alice-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");

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

    /// <summary>Sends a chat message and returns it as the recipient got it.</summary>
    private static async Task<XElement> ChatAsync(XmppTestClient from, XmppTestClient to, string body)
    {
        var id = Guid.NewGuid().ToString("N");
        await from.SendAsync($"<message type='chat' to='{to.Jid!.Split('/')[0]}' id='{id}'><body>{body}</body></message>");
        return await to.WaitForAsync(e => e.Name == Ns.Component + "message" && (string?)e.Attribute("id") == id);
    }

    /// <summary>A MAM query as a client sends it; returns the result elements that arrived before the fin.</summary>
    private static async Task<List<XElement>> QueryAsync(XmppTestClient client, string queryId)
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

    private static long ArchiveRows(ComponentUnderTest component)
    {
        using var connection = new SqliteConnection($"Data Source={component.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM archive_messages";
        return (long)command.ExecuteScalar()!;
    }
}
