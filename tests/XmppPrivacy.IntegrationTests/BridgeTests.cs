using XmppPrivacy.Services.Accounts;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>mod_privacy_bridge loaded in a real Prosody talks to the component (docs/bridge-protocol.md).</summary>
[Collection(RealServers.Name)]
public sealed class BridgeTests
{
    private const string SessionStart = "xmppprivacy_bridge_events_total{kind=\"session-start\"}";
    private const string SessionEnd = "xmppprivacy_bridge_events_total{kind=\"session-end\"}";
    private const string Rejected = "xmppprivacy_bridge_events_rejected_total";

    [Fact]
    public async Task The_bridge_answers_hello_and_reports_session_start_and_end_without_any_address()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        var started = (await component.HealthAsync()).GetProperty("bridge").GetProperty("serverStarted").GetDateTimeOffset();
        Assert.InRange(started, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        await prosody.RegisterAsync("carol", "carol-secret");

        await using (var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret"))
        {
            await Repo.WaitUntilAsync(async () => await component.MetricAsync(SessionStart) == 1, TimeSpan.FromSeconds(10), "session start arrived");
        }
        await Repo.WaitUntilAsync(async () => await component.MetricAsync(SessionEnd) == 1, TimeSpan.FromSeconds(10), "session end arrived");

        Assert.Equal(0, await component.MetricAsync(Rejected));
        Assert.DoesNotContain("127.0.0.1", component.Log);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_client_cannot_forge_bridge_events()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("mallory", "mallory-secret");
        await using var mallory = await XmppTestClient.LoginAsync(prosody.C2sPort, "mallory", "mallory-secret");
        await Repo.WaitUntilAsync(async () => await component.MetricAsync(SessionStart) == 1, TimeSpan.FromSeconds(10), "mallory's own session start arrived");

        var forged = await mallory.IqAsync("<iq type='set' to='privacy.localhost'><session xmlns='urn:xmppprivacy:bridge:1' event='start' user='victim' at='1'/></iq>");
        var spoofed = await mallory.IqAsync("<iq type='set' to='privacy.localhost' from='localhost'><account xmlns='urn:xmppprivacy:bridge:1' event='deleted' user='mallory' at='1'/></iq>");
        var batch = await mallory.IqAsync("<iq type='set' to='privacy.localhost'><batch xmlns='urn:xmppprivacy:bridge:1'><session event='end' user='mallory' at='1'/><account event='deleted' user='mallory' at='1'/></batch></iq>");

        Assert.NotNull(forged.Descendants(XmppPrivacy.Xmpp.Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.NotNull(spoofed.Descendants(XmppPrivacy.Xmpp.Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.NotNull(batch.Descendants(XmppPrivacy.Xmpp.Ns.Stanzas + "forbidden").SingleOrDefault());
        await Repo.WaitUntilAsync(async () => await component.MetricAsync(Rejected) == 3, TimeSpan.FromSeconds(10), "the three forgeries were rejected");
        Assert.Equal(1, await component.MetricAsync(SessionStart));
        Assert.Equal(0, await component.MetricAsync(SessionEnd));
        Assert.Equal(0, await component.MetricAsync("xmppprivacy_accounts_deleted_total"));
    }

    [Fact]
    public async Task Events_that_happen_while_the_component_is_away_are_replayed_when_it_is_back()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var shared = Repo.TempDirectory("xp-shared");
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Path"] = Path.Combine(shared, "xmpp-privacy.db"),
            ["Notices:Admins"] = "admin@localhost",
        };
        await using (var before = await ComponentUnderTest.StartAsync(prosody, settings))
            await ComponentChecks.WaitForBridgeAsync(before);

        // The component is away: a registration and a login happen meanwhile.
        await using var admin = await NoticesTests.AdminAsync(prosody);
        await NoticesTests.RegisterInBandAsync(prosody, "latecomer");
        await using (await XmppTestClient.LoginAsync(prosody.C2sPort, "latecomer", "latecomer-secret")) { }

        await using var after = await ComponentUnderTest.StartAsync(prosody, settings);
        Assert.Equal("User latecomer just registered on localhost from 127.0.0.1", await NoticesTests.NextNoticeAsync(admin));
        // Queued meanwhile: the admin's login, the registration, the newcomer's login and logout.
        await Repo.WaitUntilAsync(async () => await after.MetricAsync(SessionEnd) == 1 && await after.MetricAsync(SessionStart) == 2,
            TimeSpan.FromSeconds(10), "the queued sessions arrived");
        var activity = after.Get<XmppPrivacy.Services.Activity.ActivityStore>();
        Assert.NotNull(await activity.GetAsync(Account.Parse("latecomer@localhost"), CancellationToken.None));
        Assert.Equal(1, await after.MetricAsync("xmppprivacy_bridge_events_total{kind=\"account-registered\"}"));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(shared, recursive: true);
    }

    [Fact]
    public async Task After_a_Prosody_restart_the_bridge_greets_again_with_the_new_start_time()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        var first = (await component.HealthAsync()).GetProperty("bridge").GetProperty("serverStarted").GetDateTimeOffset();

        await Task.Delay(1100); // Prosody's start time has a resolution of a second or better
        await prosody.RestartAsync();

        await Repo.WaitUntilAsync(async () =>
            (await component.HealthAsync()).GetProperty("bridge").GetProperty("serverStarted").GetDateTimeOffset() > first,
            TimeSpan.FromSeconds(20), "the bridge greeted with a later start time");
        Assert.Equal(2, await component.MetricAsync("xmppprivacy_bridge_hello_total"));
    }
}
