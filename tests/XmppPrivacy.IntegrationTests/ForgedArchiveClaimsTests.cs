using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// Guarantee 3 through a real Prosody: a <c>stanza-id</c> or <c>archived</c> that a client put into a message,
/// claiming the owner's archive or our component, is gone from what is delivered live, what is stored and what
/// a MAM query serves, in both directions; the stanza-id of some other entity (a MUC elsewhere) stays.
/// </summary>
[Collection(RealServers.Name)]
public sealed class ForgedArchiveClaimsTests
{
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private static readonly XNamespace Sid = "urn:xmpp:sid:0";
    private static readonly XNamespace MamTmp = "urn:xmpp:mam:tmp";

    [Fact]
    public async Task Claims_forged_by_the_sender_or_by_the_owners_own_client_are_neither_delivered_nor_stored_nor_served()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var users = await TestUsers.LoginAsync(prosody, "alice", "bob");
        var (alice, bob) = (users["alice"], users["bob"]);
        var set = await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
        Assert.Equal("result", (string?)set.Attribute("type"));

        // The sender claims alice's archive (and our component) in a message to her.
        await bob.SendAsync("""
            <message type='chat' to='alice@localhost' id='in-1'><body>incoming with claims</body>
              <archived xmlns='urn:xmpp:mam:tmp' by='alice@localhost' id='forged-3'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='Alice@LOCALHOST/phone' id='forged-3b'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='privacy.localhost' id='forged-3c'/>
              <stanza-id xmlns='urn:xmpp:sid:0' id='forged-3d'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.org' id='muc-1'/>
            </message>
            """);
        var incoming = await alice.WaitForAsync(e => (string?)e.Attribute("id") == "in-1");
        // Alice's own client claims her archive in a message she sends.
        await alice.SendAsync("""
            <message type='chat' to='bob@localhost' id='out-1'><body>outgoing with claims</body>
              <stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='forged-4'/>
              <archived xmlns='urn:xmpp:mam:tmp' by='alice@localhost' id='forged-4b'/>
              <stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.org' id='muc-2'/>
            </message>
            """);
        var outgoing = await bob.WaitForAsync(e => (string?)e.Attribute("id") == "out-1");
        await Repo.WaitUntilAsync(() => Task.FromResult(Rows(component).Count == 2), TimeSpan.FromSeconds(10), "both messages are archived");

        // Delivered live: only the server's own stanza-id for alice, and the MUC's.
        Assert.Empty(incoming.Elements(MamTmp + "archived"));
        var realId = Assert.Single(incoming.Elements(Sid + "stanza-id"), s => (string?)s.Attribute("by") == "alice@localhost");
        Assert.DoesNotContain("forged", (string?)realId.Attribute("id"), StringComparison.Ordinal);
        Assert.Equal(["muc-1"], OtherIds(incoming, realId));
        Assert.Equal(["muc-2"], OtherIds(outgoing, null));
        Assert.Empty(outgoing.Elements(MamTmp + "archived"));

        // Stored: no claim at all, not even the server's (the archive id is the row's); the MUC's stanza-ids kept.
        var rows = Rows(component);
        Assert.All(rows, xml => Assert.DoesNotContain("forged", xml, StringComparison.Ordinal));
        Assert.All(rows, xml => Assert.DoesNotContain("urn:xmpp:mam:tmp", xml, StringComparison.Ordinal));
        Assert.All(rows, xml => Assert.DoesNotContain(XElement.Parse(xml).Elements(Sid + "stanza-id"),
            s => (string?)s.Attribute("by") != "room@conference.example.org"));
        Assert.Contains(rows, xml => xml.Contains("muc-1", StringComparison.Ordinal));
        Assert.Contains(rows, xml => xml.Contains("muc-2", StringComparison.Ordinal));

        // Served by a MAM query: the same.
        var served = await QueryAsync(alice, "claims");
        Assert.Equal(2, served.Count);
        var messages = served.Select(r => r.Descendants(Ns.Client + "message").Single()).ToList();
        Assert.Equal(["incoming with claims", "outgoing with claims"], messages.Select(m => m.Element(Ns.Client + "body")!.Value));
        Assert.All(messages, m => Assert.Empty(m.Elements(MamTmp + "archived")));
        Assert.Equal(["muc-1"], messages[0].Elements(Sid + "stanza-id").Select(s => (string?)s.Attribute("id")));
        Assert.Equal(["muc-2"], messages[1].Elements(Sid + "stanza-id").Select(s => (string?)s.Attribute("id")));
        Assert.Equal((string?)realId.Attribute("id"), (string?)served[0].Attribute("id"));
        Assert.Empty(component.ErrorLines());
    }

    private static List<string?> OtherIds(XElement message, XElement? except) =>
        message.Elements(Sid + "stanza-id").Where(s => s != except).Select(s => (string?)s.Attribute("id")).ToList();

    private static List<string> Rows(ComponentUnderTest component)
    {
        using var connection = DatabaseFile.Open(component.DatabasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT xml FROM archive_messages ORDER BY ts_ms, seq";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }

    private static async Task<List<XElement>> QueryAsync(XmppTestClient client, string queryId)
    {
        var fin = await client.IqAsync($"<iq type='set'><query xmlns='urn:xmpp:mam:2' queryid='{queryId}'/></iq>");
        Assert.Equal("result", (string?)fin.Attribute("type"));
        var count = int.Parse(fin.Descendants(XName.Get("count", "http://jabber.org/protocol/rsm")).Single().Value);
        var results = new List<XElement>();
        for (var i = 0; i < count; i++)
        {
            var message = await client.WaitForAsync(e => e.Element(Mam + "result") is { } r && (string?)r.Attribute("queryid") == queryId,
                TimeSpan.FromSeconds(5));
            results.Add(message.Element(Mam + "result")!);
        }
        return results;
    }
}
