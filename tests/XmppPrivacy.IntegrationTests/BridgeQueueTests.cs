using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The bridge's queue while the component is away (docs/bridge-protocol.md): bounded for every kind of event,
/// account and session events kept across a Prosody restart and a module reload, drops counted and reported.
/// </summary>
[Collection(RealServers.Name)]
public sealed class BridgeQueueTests
{
    private const string Registered = "xmppprivacy_bridge_events_total{kind=\"account-registered\"}";
    private const string SessionEnd = "xmppprivacy_bridge_events_total{kind=\"session-end\"}";

    [Theory]
    [InlineData("restart")]
    [InlineData("module reload")]
    public async Task Events_queued_while_the_component_is_away_survive_a_Prosody_restart_or_module_reload_and_arrive_once(string how)
    {
        await using var prosody = await ProsodyServer.StartAsync();
        using var shared = new SharedDatabase("xp-queue-" + how.Replace(' ', '-'));
        await using (var before = await ComponentUnderTest.StartAsync(prosody, shared.Settings))
        {
            await ComponentChecks.WaitForBridgeAsync(before);
            await prosody.RegisterAsync("alice", "alice-secret");
            await prosody.RegisterAsync("bob", "bob-secret");
            await using (var optIn = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret"))
                Assert.Equal("result", (string?)(await optIn.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));
            await Repo.WaitUntilAsync(async () => await before.MetricAsync(SessionEnd) == 1, TimeSpan.FromSeconds(10), "the logout arrived");
        }

        // Away: three copies for alice, a registration, and alice's and bob's logins and logouts.
        await using (var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret"))
        await using (var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret"))
            for (var i = 0; i < 3; i++) await ArchiveTests.ChatAsync(bob, alice, $"while away {i}");
        await NoticesTests.RegisterInBandAsync(prosody, "latecomer");

        if (how == "restart")
        {
            await prosody.RestartAsync();
        }
        else
        {
            var (code, output) = await prosody.ProsodyctlAsync("shell", "module", "reload", "privacy_bridge", "localhost");
            Assert.True(code == 0, output);
            Assert.Contains("Module reloaded", prosody.Log() + output, StringComparison.OrdinalIgnoreCase);
        }

        await using var after = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        await ComponentChecks.WaitForBridgeAsync(after);
        await Repo.WaitUntilAsync(async () => ArchiveRows(after) == 3 && await after.MetricAsync(Registered) == 1 && await after.MetricAsync(SessionEnd) == 2,
            TimeSpan.FromSeconds(20), "the copies, the registration and the logouts arrived");
        await Task.Delay(2000); // nothing arrives twice
        Assert.Equal(3, ArchiveRows(after));
        Assert.Equal(1, await after.MetricAsync(Registered));
        Assert.Equal(2, await after.MetricAsync(SessionEnd));
        await using var reader = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        Assert.Equal(["while away 0", "while away 1", "while away 2"],
            (await ArchiveTests.QueryAsync(reader, "kept")).Select(r => r.Descendants(XmppPrivacy.Xmpp.Ns.Client + "body").Single().Value));
        Assert.Empty(after.ErrorLines());
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_message_copies_before_account_events_and_says_so()
    {
        await using var prosody = await ProsodyServer.StartAsync(hostSettings: "privacy_bridge_queue_size = 5");
        using var shared = new SharedDatabase("xp-queue-full");
        await prosody.RegisterAsync("alice", "alice-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        await using (var before = await ComponentUnderTest.StartAsync(prosody, shared.Settings))
        {
            await ComponentChecks.WaitForBridgeAsync(before);
            Assert.Equal("result", (string?)(await alice.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>")).Attribute("type"));
        }

        // Away, with room for five events: two registrations, then ten copies for alice.
        await NoticesTests.RegisterInBandAsync(prosody, "first");
        await NoticesTests.RegisterInBandAsync(prosody, "second");
        for (var i = 0; i < 10; i++) await ArchiveTests.ChatAsync(bob, alice, $"copy {i}");

        await using var after = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        await ComponentChecks.WaitForBridgeAsync(after);
        await Repo.WaitUntilAsync(async () => await after.MetricAsync(Registered) == 2 && ArchiveRows(after) == 3
            && await after.MetricAsync("xmppprivacy_bridge_dropped_total{kind=\"message-copy\"}") == 7,
            TimeSpan.FromSeconds(20), "both registrations, the newest three copies and the count of the dropped ones arrived");
        Assert.Equal(["copy 7", "copy 8", "copy 9"],
            (await ArchiveTests.QueryAsync(alice, "kept")).Select(r => r.Descendants(XmppPrivacy.Xmpp.Ns.Client + "body").Single().Value));
        Assert.Equal(0, await after.MetricAsync("xmppprivacy_bridge_dropped_total{kind=\"account\"}"));
        Assert.Contains("Bridge queue full (5 events)", prosody.Log(), StringComparison.Ordinal);
        Assert.Contains("dropped 7 message-copy events", after.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_even_account_events_must_go_reconciliation_still_deletes_the_account_that_is_gone()
    {
        await using var prosody = await ProsodyServer.StartAsync(hostSettings: "privacy_bridge_queue_size = 1");
        using var shared = new SharedDatabase("xp-queue-accounts");
        await using (var before = await ComponentUnderTest.StartAsync(prosody, shared.Settings))
        {
            await ComponentChecks.WaitForBridgeAsync(before);
            await prosody.RegisterAsync("gina", "gina-secret");
            await using (await XmppTestClient.LoginAsync(prosody.C2sPort, "gina", "gina-secret"))
                await Repo.WaitUntilAsync(async () => await before.MetricAsync("xmppprivacy_bridge_events_total{kind=\"session-start\"}") == 1,
                    TimeSpan.FromSeconds(10), "gina's login arrived");
        }

        // Away, with room for one event: gina's deletion is queued, then pushed out by a registration.
        var (code, output) = await prosody.ProsodyctlAsync("shell", "user", "delete", "gina@localhost");
        Assert.True(code == 0, output);
        await NoticesTests.RegisterInBandAsync(prosody, "hugo");

        await using var after = await ComponentUnderTest.StartAsync(prosody, shared.Settings);
        await ComponentChecks.WaitForBridgeAsync(after);
        await Repo.WaitUntilAsync(async () => await after.MetricAsync(Registered) == 1
            && await after.MetricAsync("xmppprivacy_bridge_dropped_total{kind=\"account\"}") == 1,
            TimeSpan.FromSeconds(20), "hugo's registration and the count of the dropped deletion arrived");
        await Repo.WaitUntilAsync(() => Task.FromResult(DatabaseFile.Scalar(after.DatabasePath,
            "SELECT COUNT(*) FROM last_activity WHERE account = 'gina@localhost'") is 0L), TimeSpan.FromSeconds(10), "gina's data is deleted");
        Assert.Equal(1, await after.MetricAsync("xmppprivacy_accounts_reconciled_total"));
        Assert.Equal(0, await after.MetricAsync("xmppprivacy_bridge_events_total{kind=\"account-deleted\"}"));
    }

    private static long ArchiveRows(ComponentUnderTest component) =>
        (long)DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages")!;

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
}
