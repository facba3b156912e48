using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Services.Accounts;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The Native AOT binary does what the JIT build does. <see cref="NativeAotBinary"/> publishes it once per test run
/// with <c>scripts/publish-aot.sh</c> (about 4 minutes on two busy cores; a failed publish fails every test here),
/// and these tests run it as an operator would: against a real Prosody, and with each verb.
/// </summary>
[Collection(RealServers.Name)]
public sealed class NativeAotTests(NativeAotBinary aot) : IClassFixture<NativeAotBinary>
{
    [Fact]
    public void The_published_folder_holds_the_program_and_SQLite_and_no_managed_assembly()
    {
        Assert.True(File.Exists(aot.Program));
        Assert.True(File.Exists(Path.Combine(aot.Folder, "libe_sqlite3.so")));
        Assert.Empty(Directory.GetFiles(aot.Folder, "*.dll"));
    }

    [Fact]
    public async Task Without_SQLite_beside_it_the_program_says_which_library_is_missing()
    {
        var alone = Repo.TempDirectory("xp-aot-alone");
        try
        {
            File.Copy(aot.Program, Path.Combine(alone, "xmpp-privacy")); // keeps the mode on Unix
            var (code, output) = await Repo.RunAsync(Path.Combine(alone, "xmpp-privacy"), ["inactive", "--days", "30"],
                new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = Path.Combine(alone, "db.sqlite") });

            Assert.Equal(1, code);
            Assert.Contains("DllNotFoundException", output, StringComparison.Ordinal);
            Assert.Contains("e_sqlite3", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(alone, recursive: true);
        }
    }

    [Fact]
    public async Task Options_xeps_help_and_check_config_print_what_the_JIT_build_prints()
    {
        // Both tables are read by reflection over options classes and components: the binary must have kept them all.
        Assert.Equal(Cli.OptionsMarkdown(), (await RunOkAsync("options")).ReplaceLineEndings("\n"));
        Assert.Equal(Cli.XepsMarkdown(), (await RunOkAsync("xeps")).ReplaceLineEndings("\n"));

        var help = await RunOkAsync("--help");
        foreach (var verb in new[] { "run", "check-config", "inactive", "forget-account", "options", "xeps" })
            Assert.Contains(verb, help, StringComparison.Ordinal);
        Assert.Contains("--days", await RunOkAsync("inactive", "--help"), StringComparison.Ordinal);

        var config = await RunOkAsync("check-config");
        Assert.Contains("Component:Domains:Upload = upload.localhost   [default]", config, StringComparison.Ordinal);
        Assert.Contains("configuration is valid", (await aot.RunAsync(["check-config"], new() { ["XMPPPRIVACY_Component__Secret"] = "s" })).Output);
        var (code, refused) = await aot.RunAsync(["check-config"], new()
        {
            ["XMPPPRIVACY_Component__Port"] = "70000",
            ["XMPPPRIVACY_Component__Domains__Rooms"] = "", // optional: empty turns it off
            ["XMPPPRIVACY_Component__Domains__Privacy"] = "", // required: refused
        });
        Assert.Equal(2, code);
        Assert.Contains("Component:Port: '70000' is not allowed; expected a whole number from 1 to 65535.", refused, StringComparison.Ordinal);
        Assert.Contains("Component:Domains:Privacy: '' is not allowed", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("Component:Domains:Rooms", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_connects_every_domain_serves_health_and_metrics_archives_through_the_bridge_normalises_a_room_nickname_and_exits_0_on_sigterm()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-aot");
        var database = Path.Combine(state, "db.sqlite");
        var httpPort = Repo.FreePort();
        var start = new ProcessStartInfo(aot.Program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("run");
        start.Environment["XMPPPRIVACY_Component__Port"] = prosody.ComponentPort.ToString();
        start.Environment["XMPPPRIVACY_Component__Secret"] = prosody.Secret;
        start.Environment["XMPPPRIVACY_Http__Urls"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["XMPPPRIVACY_Storage__Path"] = database;
        start.Environment["XMPPPRIVACY_Archive__DefaultPolicy"] = "always";
        start.Environment["XMPPPRIVACY_Log__Level"] = "Warning";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await ComponentChecks.WaitForHealthyProcessAsync(httpPort, "the native component is connected");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

            await prosody.RegisterAsync("alice", "alice-secret");
            await prosody.RegisterAsync("bob", "bob-secret");
            await using (var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret"))
            await using (var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret"))
            {
                await bob.SendAsync("<message type='chat' to='alice@localhost' id='aot1'><body>compiled ahead of time</body></message>");
                await alice.WaitForAsync(e => (string?)e.Attribute("id") == "aot1");
                await Repo.WaitUntilAsync(() => Task.FromResult(File.Exists(database) &&
                    Convert.ToInt64(DatabaseFile.Scalar(database, "SELECT COUNT(*) FROM archive_messages;")) == 2),
                    TimeSpan.FromSeconds(30), "both copies are archived");

                // Rooms: the binary has no ICU either, so a nickname reaches its own NFKC untouched by Prosody (a form value).
                await RoomsTests.JoinAsync(alice, "aot@rooms.localhost", "Alice");
                var reserved = await alice.IqAsync("<iq type='set' to='aot@rooms.localhost'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>" +
                    "<field var='muc#register_roomnick'><value>Ame\u0301lie</value></field></x></query></iq>");
                Assert.Equal("result", (string?)reserved.Attribute("type"));
                var found = await alice.IqAsync("<iq type='get' to='aot@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>");
                Assert.Equal("Am\u00e9lie", (string?)found.Descendants(XmppPrivacy.Xmpp.Ns.DiscoInfo + "identity").Single().Attribute("name"));
            }

            var health = await http.GetFromJsonAsync<JsonElement>("/health");
            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal(["connected", "connected", "connected"], health.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("state").GetString()));
            Assert.True(health.GetProperty("bridge").GetProperty("present").GetBoolean());
            Assert.Contains("urn:xmpp:mam:2", health.GetProperty("delegation").GetProperty("namespaces").EnumerateArray().Select(n => n.GetString()));
            Assert.Equal(7 * 24 * 3600, health.GetProperty("archive").GetProperty("expiresAfterSeconds").GetDouble());
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Contains("# TYPE xmppprivacy_bridge_hello_total counter", metrics, StringComparison.Ordinal);
            Assert.Contains("# TYPE process_working_set_bytes gauge", metrics, StringComparison.Ordinal);

            await Repo.TerminateAsync(process.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(25));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
            // No warning at all: in particular not that names a peer invents could not be bounded (StanzaNames).
            Assert.Equal("", await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Inactive_and_forget_account_work_on_the_database()
    {
        var state = Repo.TempDirectory("xp-aot-verbs");
        var path = Path.Combine(state, "db.sqlite");
        var database = new XmppPrivacy.Storage.SqliteDatabase(path, Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var store = new XmppPrivacy.Services.Activity.ActivityStore(database);
        await store.RecordAsync(Account.Parse("sleeper@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-40), CancellationToken.None);
        await store.RecordAsync(Account.Parse("active@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-2), CancellationToken.None);
        var environment = new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = path };

        var inactive = await RunOkAsync(environment, "inactive", "--days", "30");
        Assert.Contains("1 account(s)", inactive, StringComparison.Ordinal);
        Assert.Contains("sleeper@localhost", inactive, StringComparison.Ordinal);
        Assert.DoesNotContain("active@localhost", inactive, StringComparison.Ordinal);

        await RunOkAsync(environment, "forget-account", "sleeper@localhost");
        Assert.Null(await store.GetAsync(Account.Parse("sleeper@localhost"), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(Account.Parse("active@localhost"), CancellationToken.None));
        var (refusedCode, refused) = await aot.RunAsync(["forget-account", "alice@example.org/phone"], environment);
        Assert.Equal(2, refusedCode);
        Assert.Contains("bare JID", refused, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(state, recursive: true);
    }

    private Task<string> RunOkAsync(params string[] args) => RunOkAsync([], args);

    private async Task<string> RunOkAsync(Dictionary<string, string> environment, params string[] args)
    {
        var (code, output) = await aot.RunAsync(args, environment);
        Assert.True(code == 0, $"xmpp-privacy {string.Join(' ', args)} exited {code}:\n{output}");
        return output;
    }
}

/// <summary>The Native AOT binary, published once for the test class by <c>scripts/publish-aot.sh</c>.</summary>
public sealed class NativeAotBinary : IAsyncLifetime
{
    public string Folder { get; } = Repo.TempDirectory("xp-aot-bin");

    public string Program => Path.Combine(Folder, "xmpp-privacy");

    public async Task InitializeAsync()
    {
        var (code, output) = await Repo.RunAsync("bash", [Path.Combine(Repo.Root, "scripts", "publish-aot.sh"), Folder], timeout: TimeSpan.FromMinutes(20));
        if (code != 0) throw new InvalidOperationException($"scripts/publish-aot.sh exited {code}:\n{output}");
    }

    /// <summary>Runs the binary with its standard output and error together.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> args, Dictionary<string, string>? environment = null) =>
        Repo.RunAsync(Program, args, environment);

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}
