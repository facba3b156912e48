using System.Diagnostics;
using System.Text.RegularExpressions;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The <c>roster</c> archiving policy when the server does not give the roster: one user's unknown roster
/// must neither be archived around nor hold up the archive of everybody else.
/// </summary>
[Collection(RealServers.Name)]
public sealed class RosterPolicyTests
{
    [Fact]
    public async Task While_one_users_roster_request_is_never_answered_another_users_copies_are_archived_at_once()
    {
        // mod_firewall drops the component's roster requests for alice: Prosody never answers them.
        await using var prosody = await ProsodyServer.StartAsync(configure: server =>
        {
            var rules = Path.Combine(server.State, "drop-roster.pfw");
            File.WriteAllText(rules, """
                KIND: iq
                TYPE: get
                PAYLOAD: jabber:iq:roster
                FROM: privacy.localhost
                TO: alice@localhost
                DROP.
                """);
            AddModule(server, "firewall", $"VirtualHost \"localhost\"\n\tfirewall_scripts = {{ \"{rules}\" }}\n");
        });
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        var (alice, bob, carol) = await UsersAsync(prosody, component, alicePolicy: "roster", bobPolicy: "always");
        await using var _ = alice;
        await using var __ = bob;
        await using var ___ = carol;

        for (var i = 0; i < 3; i++) await ChatAsync(carol, alice, $"to alice {i}");
        var sent = Stopwatch.StartNew();
        await ChatAsync(carol, bob, "to bob");
        await Repo.WaitUntilAsync(() => Task.FromResult(Rows(component, "bob@localhost") == 1), TimeSpan.FromSeconds(30), "bob's copy is archived");
        var delay = sent.Elapsed;

        // Before: bob's copy waited behind three roster requests of 5 s each (about 15 s).
        Assert.True(delay < TimeSpan.FromSeconds(2), $"bob's copy took {delay.TotalSeconds:F1} s to be archived");
        // Alice's roster stayed unknown: nothing of hers is kept, however long one waits.
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.Equal(0, Rows(component, "alice@localhost"));
        Assert.Single(Regex.Matches(component.Log, "did not give a roster"));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Without_the_roster_permission_the_server_is_asked_once_per_interval_not_once_per_message()
    {
        await using var prosody = await ProsodyServer.StartAsync(configure: server =>
            File.WriteAllText(server.ConfigPath, File.ReadAllText(server.ConfigPath).Replace("roster = \"get\"; ", "")));
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        var (alice, bob, carol) = await UsersAsync(prosody, component, alicePolicy: "roster", bobPolicy: "always");
        await using var _ = alice;
        await using var __ = bob;
        await using var ___ = carol;

        for (var i = 0; i < 20; i++) await ChatAsync(carol, alice, $"to alice {i}");
        await ChatAsync(carol, bob, "to bob");
        await Repo.WaitUntilAsync(() => Task.FromResult(Rows(component, "bob@localhost") == 1), TimeSpan.FromSeconds(10), "bob's copy is archived");

        // Prosody logs each refused roster request; the 20 messages came within one failure interval (5 s).
        var refused = Regex.Matches(prosody.Log(), "try to get roster without permission").Count;
        Assert.InRange(refused, 1, 2);
        Assert.Equal(0, Rows(component, "alice@localhost"));
        Assert.Empty(component.ErrorLines());
    }

    /// <summary>Adds a module to the global modules_enabled and appends <paramref name="config"/> at the end.</summary>
    private static void AddModule(ProsodyServer server, string module, string config)
    {
        var text = File.ReadAllText(server.ConfigPath).Replace("\"privacy_bridge\";", $"\"privacy_bridge\"; \"{module}\";");
        File.WriteAllText(server.ConfigPath, text + "\n" + config);
    }

    private static async Task<(XmppTestClient Alice, XmppTestClient Bob, XmppTestClient Carol)> UsersAsync(
        ProsodyServer prosody, ComponentUnderTest component, string alicePolicy, string bobPolicy)
    {
        await ComponentChecks.WaitForBridgeAsync(component);
        foreach (var name in new[] { "alice", "bob", "carol" }) await prosody.RegisterAsync(name, name + "-secret");
        var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");
        foreach (var (client, policy) in new[] { (alice, alicePolicy), (bob, bobPolicy) })
        {
            var set = await client.IqAsync($"<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='{policy}'/></iq>");
            Assert.Equal("result", (string?)set.Attribute("type"));
        }
        return (alice, bob, carol);
    }

    private static async Task ChatAsync(XmppTestClient from, XmppTestClient to, string body)
    {
        var id = Guid.NewGuid().ToString("N");
        await from.SendAsync($"<message type='chat' to='{to.Jid!.Split('/')[0]}' id='{id}'><body>{body}</body></message>");
        await to.WaitForAsync(e => e.Name == Ns.Component + "message" && (string?)e.Attribute("id") == id);
    }

    private static long Rows(ComponentUnderTest component, string owner) =>
        (long)DatabaseFile.Scalar(component.DatabasePath, $"SELECT COUNT(*) FROM archive_messages WHERE owner = '{owner}'")!;
}
