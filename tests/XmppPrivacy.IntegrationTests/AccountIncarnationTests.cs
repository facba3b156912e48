using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// A name deleted and registered again is a new account: it inherits nothing of the old one, whether the
/// server told the component (an in-band registration) or not (prosodyctl while the component was away).
/// </summary>
[Collection(RealServers.Name)]
public sealed class AccountIncarnationTests
{
    private static readonly XNamespace Mam = "urn:xmpp:mam:2";
    private static readonly XNamespace Data = "jabber:x:data";

    [Fact]
    public async Task Carol_deleted_with_prosodyctl_and_registered_again_in_band_at_once_starts_with_default_prefs_and_an_empty_archive()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await OptedInCarolWithArchiveAsync(prosody, component);

        // Edits Prosody's storage directly: no deletion event reaches the component.
        var (code, output) = await prosody.ProsodyctlAsync("deluser", "carol@localhost");
        Assert.True(code == 0, output);
        await NoticesTests.RegisterInBandAsync(prosody, "carol");
        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_bridge_events_total{kind=\"account-registered\"}") == 1,
            TimeSpan.FromSeconds(30), "the registration arrived");

        await AssertNewCarolInheritsNothingAsync(prosody, component, "carol-secret");
        Assert.Equal(1, await component.MetricAsync("xmppprivacy_accounts_recreated_total"));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Carol_deleted_and_created_again_with_prosodyctl_while_the_component_is_away_loses_her_old_data_in_one_reconciliation()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        using var shared = new SharedDatabase("xp-incarnation");
        // Long sweeps: only the reconciliation that follows the greeting runs.
        var settings = new Dictionary<string, string?>(shared.Settings) { ["Sweeps:Interval"] = "1h" };
        await using (var before = await ComponentUnderTest.StartAsync(prosody, settings))
        {
            await ComponentChecks.WaitForBridgeAsync(before);
            await OptedInCarolWithArchiveAsync(prosody, before);
        }

        // No event reaches the component: it is not connected, and prosodyctl edits the storage directly
        // (`register` is `adduser` with the password on the command line).
        var (code, output) = await prosody.ProsodyctlAsync("deluser", "carol@localhost");
        Assert.True(code == 0, output);
        await prosody.RegisterAsync("carol", "new-carol-secret");

        await using var after = await ComponentUnderTest.StartAsync(prosody, settings);
        await ComponentChecks.WaitForBridgeAsync(after);
        await Repo.WaitUntilAsync(() => Task.FromResult(Count(after, "archive_messages", "owner") == 0), TimeSpan.FromSeconds(15),
            "the old carol's archive is deleted");

        await AssertNewCarolInheritsNothingAsync(prosody, after, "new-carol-secret");
        Assert.Equal(1, Count(after, "last_activity", "account", "bob@localhost")); // bob's data stays
        Assert.Equal(0, await after.MetricAsync("xmppprivacy_accounts_reconciled_total")); // carol exists: a re-creation, not a deletion
        Assert.Empty(after.ErrorLines());
    }

    [Fact]
    public async Task Carol_deleted_and_created_again_in_the_admin_shell_at_once_inherits_nothing_and_her_waiting_export_is_gone()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await OptedInCarolWithArchiveAsync(prosody, component);
        Uri export;
        await using (var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret"))
        {
            var done = await TransparencyTests.RunAsync(carol, "export");
            export = new Uri(done.Descendants(Data + "field").Single(f => (string?)f.Attribute("var") == "url").Element(Data + "value")!.Value);
        }
        var exports = Path.Combine(Path.GetDirectoryName(component.DatabasePath)!, "exports");
        Assert.Single(Directory.GetFiles(exports));

        // The admin shell deletes and creates again, one right after the other, with nobody logged in.
        var (code, output) = await prosody.ProsodyctlAsync("shell", "user", "delete", "carol@localhost");
        Assert.True(code == 0, output);
        (code, output) = await prosody.ProsodyctlAsync("shell", "user", "create", "carol@localhost", "new-carol-secret");
        Assert.True(code == 0, output);
        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_accounts_deleted_total") == 1,
            TimeSpan.FromSeconds(30), "the deletion arrived");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await component.Http.GetAsync(export.PathAndQuery)).StatusCode);
        Assert.Empty(Directory.GetFiles(exports));
        await AssertNewCarolInheritsNothingAsync(prosody, component, "new-carol-secret");
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_password_change_is_not_a_new_account_and_keeps_the_archive()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        using var shared = new SharedDatabase("xp-password");
        var settings = new Dictionary<string, string?>(shared.Settings) { ["Sweeps:Interval"] = "1h" };
        await using (var before = await ComponentUnderTest.StartAsync(prosody, settings))
        {
            await ComponentChecks.WaitForBridgeAsync(before);
            await OptedInCarolWithArchiveAsync(prosody, before);
            // In-band password change (XEP-0077): Prosody makes a new salt for the account.
            await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");
            var changed = await carol.IqAsync("<iq type='set' to='localhost'><query xmlns='jabber:iq:register'><username>carol</username><password>changed-secret</password></query></iq>");
            Assert.Equal("result", (string?)changed.Attribute("type"));
        }

        await using var after = await ComponentUnderTest.StartAsync(prosody, settings);
        await ComponentChecks.WaitForBridgeAsync(after);
        // The greeting's reconciliation and carol's next session both carry her marker.
        await using var again = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "changed-secret");
        await Repo.WaitUntilAsync(async () => await after.MetricAsync("xmppprivacy_bridge_events_total{kind=\"session-start\"}") == 1,
            TimeSpan.FromSeconds(30), "carol's session start arrived");
        await Task.Delay(1000);
        Assert.Equal(3, (await ArchiveTests.QueryAsync(again, "kept")).Count);
        Assert.Equal(0, await after.MetricAsync("xmppprivacy_accounts_recreated_total"));
    }

    /// <summary>carol opts in and has three archived messages from bob; both log out again.</summary>
    private static async Task OptedInCarolWithArchiveAsync(ProsodyServer prosody, ComponentUnderTest component)
    {
        await prosody.RegisterAsync("carol", "carol-secret");
        await prosody.RegisterAsync("bob", "bob-secret");
        await using (var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret"))
        await using (var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret"))
        {
            var set = await carol.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
            Assert.Equal("result", (string?)set.Attribute("type"));
            for (var i = 0; i < 3; i++) await ArchiveTests.ChatAsync(bob, carol, $"for the first carol {i}");
            await Repo.WaitUntilAsync(() => Task.FromResult(Count(component, "archive_messages", "owner") == 3), TimeSpan.FromSeconds(30),
                "carol's messages are archived");
            Assert.Equal(3, (await ArchiveTests.QueryAsync(carol, "first")).Count);
        }
        await Repo.WaitUntilAsync(() => Task.FromResult(LoggedOut(component, "carol@localhost") && LoggedOut(component, "bob@localhost")),
            TimeSpan.FromSeconds(30), "both logouts arrived");
    }

    /// <summary>In the database and through a MAM query: no archive, no preferences (the default, never), no old activity.</summary>
    private static async Task AssertNewCarolInheritsNothingAsync(ProsodyServer prosody, ComponentUnderTest component, string password)
    {
        Assert.Equal(0, Count(component, "archive_messages", "owner"));
        Assert.Equal(0, Count(component, "archive_prefs", "owner"));
        Assert.Equal(0, Count(component, "archive_pref_jids", "owner"));
        await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", password);
        var prefs = await carol.IqAsync("<iq type='get'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
        Assert.Equal("never", (string?)prefs.Element(Mam + "prefs")!.Attribute("default"));
        Assert.Empty(await ArchiveTests.QueryAsync(carol, "inherited"));
        Assert.Equal(0, Count(component, "archive_messages", "owner"));
    }

    private static bool LoggedOut(ComponentUnderTest component, string account) =>
        DatabaseFile.Scalar(component.DatabasePath, $"SELECT last_logout_ms FROM last_activity WHERE account = '{account}'") is long;

    private static long Count(ComponentUnderTest component, string table, string column, string account = "carol@localhost") =>
        (long)DatabaseFile.Scalar(component.DatabasePath, $"SELECT COUNT(*) FROM {table} WHERE {column} = '{account}'")!;

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
