using XmppPrivacy.Services.Accounts;
using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The admins' ad-hoc command "List inactive accounts", run by a real client through Prosody.</summary>
[Collection(RealServers.Name)]
public sealed class InactiveAccountsCommandTests
{
    private static readonly XNamespace Commands = "http://jabber.org/protocol/commands";
    private static readonly XNamespace Data = "jabber:x:data";

    [Fact]
    public async Task An_admin_lists_accounts_inactive_for_the_days_given_and_others_cannot()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        // Real accounts: reconciliation with the server deletes what is kept about accounts the server does not have.
        await prosody.RegisterAsync("sleeper", "sleeper-secret");
        await prosody.RegisterAsync("recent", "recent-secret");
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?> { ["Notices:Admins"] = "admin@localhost" });
        await ComponentChecks.WaitForBridgeAsync(component);
        var activity = component.Get<ActivityStore>();
        await activity.RecordAsync(Account.Parse("sleeper@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-400), CancellationToken.None);
        await activity.RecordAsync(Account.Parse("recent@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-3), CancellationToken.None);
        await using var admin = await NoticesTests.AdminAsync(prosody);

        var items = await admin.IqAsync("<iq type='get' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>");
        Assert.Contains(items.Descendants(Ns.DiscoItems + "item"), i => (string?)i.Attribute("node") == InactiveAccountsCommand.Node);

        var step = await admin.IqAsync("<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='inactive-accounts' action='execute'/></iq>");
        var command = step.Element(Commands + "command")!;
        Assert.Equal("executing", (string?)command.Attribute("status"));
        Assert.Equal("180", command.Descendants(Data + "field").Single(f => (string?)f.Attribute("var") == "days").Element(Data + "value")!.Value);

        var done = await admin.IqAsync($"<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='inactive-accounts' sessionid='{command.Attribute("sessionid")!.Value}' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='days'><value>30</value></field></x></command></iq>");
        var completed = done.Element(Commands + "command")!;
        Assert.Equal("completed", (string?)completed.Attribute("status"));
        var accounts = completed.Descendants(Data + "item").Select(i => i.Elements(Data + "field").First().Element(Data + "value")!.Value).ToList();
        Assert.Equal(["sleeper@localhost"], accounts);

        var bad = await admin.IqAsync("<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='inactive-accounts' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='days'><value>-1</value></field></x></command></iq>");
        Assert.NotNull(bad.Descendants(Ns.Stanzas + "bad-request").SingleOrDefault());

        await prosody.RegisterAsync("ivan", "ivan-secret");
        await using var ivan = await XmppTestClient.LoginAsync(prosody.C2sPort, "ivan", "ivan-secret");
        var hidden = await ivan.IqAsync("<iq type='get' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>");
        // Users see their own commands (docs/transparency.md), never the admins'.
        Assert.DoesNotContain(InactiveAccountsCommand.Node, hidden.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("node")));
        Assert.Contains("what-do-you-store", hidden.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("node")));
        var refused = await ivan.IqAsync("<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='inactive-accounts' action='execute'/></iq>");
        Assert.NotNull(refused.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
    }
}
