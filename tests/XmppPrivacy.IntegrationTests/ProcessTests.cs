using XmppPrivacy.Services.Accounts;
using System.Diagnostics;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The program as an operator runs it: <c>xmpp-privacy run</c> and <c>check-config</c> as processes.</summary>
[Collection(RealServers.Name)]
public sealed class ProcessTests
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "xmpp-privacy.dll");

    /// <summary>Starts <c>xmpp-privacy run</c> against <paramref name="prosody"/> and waits until /health answers.</summary>
    private static async Task<Process> StartRunAsync(ProsodyServer prosody, string database, int httpPort, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Program);
        start.ArgumentList.Add("run");
        start.Environment["XMPPPRIVACY_Component__Port"] = prosody.ComponentPort.ToString();
        start.Environment["XMPPPRIVACY_Component__Secret"] = prosody.Secret;
        start.Environment["XMPPPRIVACY_Http__Urls"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["XMPPPRIVACY_Storage__Path"] = database;
        foreach (var (key, value) in environment ?? []) start.Environment[key] = value;
        var process = Process.Start(start)!;
        await ComponentChecks.WaitForHealthyProcessAsync(httpPort);
        return process;
    }

    [Fact]
    public async Task Sigterm_closes_the_streams_and_exits_0()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-process");
        using var process = await StartRunAsync(prosody, Path.Combine(state, "db.sqlite"), Repo.FreePort());
        var stderr = process.StandardError.ReadToEndAsync();

        await Repo.TerminateAsync(process.Id);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        Assert.Equal(0, process.ExitCode);
        // Prosody saw each component close its stream (it logs "Received </stream:stream>" at debug).
        await Repo.WaitUntilAsync(() => Task.FromResult(
            prosody.Log().Split('\n').Count(l => l.Contains("Received </stream:stream>")) >= 3), TimeSpan.FromSeconds(5), "three streams closed");
        Assert.DoesNotContain(" fail ", await stderr);
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Killed_while_archiving_under_load_the_database_is_intact_and_every_message_is_archived_once_after_restart()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-kill");
        var database = Path.Combine(state, "db.sqlite");
        var httpPort = Repo.FreePort();
        var always = new Dictionary<string, string> { ["XMPPPRIVACY_Archive__DefaultPolicy"] = "always" };
        var process = await StartRunAsync(prosody, database, httpPort, always);
        Process? restarted = null;
        try
        {
            await prosody.RegisterAsync("alice", "alice-secret");
            await prosody.RegisterAsync("bob", "bob-secret");
            await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
            await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
            const int total = 400;

            // Both archive everything: each message is two rows (bob's copy out, alice's copy in).
            for (var i = 0; i < total / 2; i++)
                await bob.SendAsync($"<message type='chat' to='alice@localhost' id='k{i}'><body>message {i}</body></message>");
            await Repo.WaitUntilAsync(() => Task.FromResult(Rows(database) > 20), TimeSpan.FromSeconds(30), "archiving is under way");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            for (var i = total / 2; i < total; i++)
                await bob.SendAsync($"<message type='chat' to='alice@localhost' id='k{i}'><body>message {i}</body></message>");
            await alice.WaitForAsync(e => (string?)e.Attribute("id") == $"k{total - 1}");
            var atKill = Rows(database);

            restarted = await StartRunAsync(prosody, database, httpPort, always);
            await Repo.WaitUntilAsync(() => Task.FromResult(Rows(database) == 2 * total), TimeSpan.FromSeconds(60), "every copy is archived");
            await Task.Delay(500); // a late duplicate would show now

            Assert.InRange(atKill, 1, 2 * total - 1);
            Assert.Equal(2 * total, Rows(database));
            Assert.Equal(total, Scalar(database, "SELECT COUNT(DISTINCT xml) FROM archive_messages WHERE owner = 'alice@localhost';"));
            Assert.Equal("ok", Text(database, "PRAGMA integrity_check;"));
            await Repo.TerminateAsync(restarted.Id);
            await restarted.WaitForExitAsync();
        }
        finally
        {
            // Nothing this test started may outlive it, whatever failed.
            foreach (var started in new[] { process, restarted })
            {
                if (started is null) continue;
                if (!started.HasExited) started.Kill(entireProcessTree: true);
                started.Dispose();
            }
        }
        Directory.Delete(state, recursive: true);
    }

    private static long Rows(string database) => File.Exists(database) ? Scalar(database, "SELECT COUNT(*) FROM archive_messages;") : 0;

    private static long Scalar(string database, string sql) => Convert.ToInt64(Query(database, sql));

    private static string Text(string database, string sql) => Convert.ToString(Query(database, sql))!;

    private static object? Query(string database, string sql)
    {
        try
        {
            return DatabaseFile.Scalar(database, sql);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 1) // no such table yet
        {
            return 0L;
        }
    }

    [Fact]
    public async Task An_invalid_option_stops_the_program_with_a_message_naming_key_value_and_allowed_values()
    {
        var (code, output) = await Repo.RunAsync("dotnet", [Program, "check-config"],
            new Dictionary<string, string> { ["XMPPPRIVACY_Component__Port"] = "70000" });

        Assert.NotEqual(0, code);
        Assert.Contains("Component:Port", output);
        Assert.Contains("'70000'", output);
        Assert.Contains("from 1 to 65535", output);
    }

    [Fact]
    public async Task Run_without_a_secret_refuses_to_start()
    {
        var (code, output) = await Repo.RunAsync("dotnet", [Program, "run"],
            new Dictionary<string, string> { ["XMPPPRIVACY_Http__Urls"] = $"http://127.0.0.1:{Repo.FreePort()}" });

        Assert.Equal(2, code);
        Assert.Contains("Component:Secret is not set", output);
    }

    [Fact]
    public async Task Help_lists_every_verb_and_each_verb_prints_its_own_options()
    {
        var (code, help) = await Repo.RunAsync("dotnet", [Program, "--help"]);

        Assert.Equal(0, code);
        foreach (var verb in new[] { "run", "check-config", "inactive", "forget-account", "options", "xeps", "policy", "audit" })
            Assert.Contains(verb, help, StringComparison.Ordinal);
        var (inactiveCode, inactive) = await Repo.RunAsync("dotnet", [Program, "inactive", "--help"]);
        Assert.Equal(0, inactiveCode);
        Assert.Contains("--days", inactive, StringComparison.Ordinal);
        Assert.Contains("--config", inactive, StringComparison.Ordinal);
        var (_, forget) = await Repo.RunAsync("dotnet", [Program, "forget-account", "--help"]);
        Assert.Contains("<account>", forget, StringComparison.Ordinal);
        Assert.DoesNotContain("--days", forget, StringComparison.Ordinal);
        var (wrongCode, wrong) = await Repo.RunAsync("dotnet", [Program, "check-config", "--days", "3"]);
        Assert.Equal(2, wrongCode);
        Assert.Contains("--days", wrong, StringComparison.Ordinal);
        var (outOfRange, _) = await Repo.RunAsync("dotnet", [Program, "inactive", "--days", "0"]);
        Assert.Equal(2, outOfRange);
    }

    [Fact]
    public async Task Audit_reports_progress_passes_on_a_clean_database_and_exits_1_on_a_planted_old_row()
    {
        var state = Repo.TempDirectory("xp-audit");
        var path = Path.Combine(state, "db.sqlite");
        var database = new XmppPrivacy.Storage.SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var environment = new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = path, ["XMPPPRIVACY_Archive__ExpiresAfter"] = "2d" };

        var (cleanCode, clean) = await Repo.RunAsync("dotnet", [Program, "audit"], environment);
        Assert.True(cleanCode == 0, clean);
        Assert.Contains("checking archive", clean);
        Assert.Contains("Every promise holds.", clean);

        var store = new XmppPrivacy.Services.Archive.ArchiveStore(database, new XmppPrivacy.Services.Archive.ArchiveOptions());
        await store.AppendAsync(XmppPrivacy.Xmpp.Jid.Parse("dave@localhost"), XmppPrivacy.Xmpp.Jid.Parse("eve@localhost"),
            XmppPrivacy.Services.Archive.ArchiveDirection.In, DateTimeOffset.UtcNow.AddDays(-3),
            new System.Xml.Linq.XElement(XmppPrivacy.Xmpp.Ns.Client + "message"), null, CancellationToken.None);
        var (brokenCode, broken) = await Repo.RunAsync("dotnet", [Program, "audit"], environment);

        Assert.Equal(1, brokenCode);
        Assert.Matches(@"archive\s+1\s+3 d [0-9:]+\s+FAIL\s+at most 2 days", broken);
        Assert.Contains("1 promise(s) broken.", broken);
        Assert.DoesNotContain("dave", broken);
    }

    [Fact]
    public async Task Policy_prints_the_policy_from_the_configuration_in_the_language_and_format_asked()
    {
        var environment = new Dictionary<string, string> { ["XMPPPRIVACY_Archive__ExpiresAfter"] = "36h" };

        var (code, markdown) = await Repo.RunAsync("dotnet", [Program, "policy", "--lang", "de"], environment);
        var (htmlCode, html) = await Repo.RunAsync("dotnet", [Program, "policy", "--format", "html"], environment);
        var (wrongCode, wrong) = await Repo.RunAsync("dotnet", [Program, "policy", "--lang", "fr"]);

        Assert.True(code == 0, markdown);
        Assert.StartsWith("# Datenschutzerklärung für localhost", markdown);
        Assert.Contains("Höchstens 36 Stunden", markdown);
        Assert.Equal(0, htmlCode);
        Assert.Contains("<dd>At most 36 hours: older messages", html);
        Assert.Equal(2, wrongCode);
        Assert.Contains("--lang is en or de", wrong);
    }

    [Fact]
    public async Task Inactive_lists_accounts_not_seen_for_the_given_days_and_nothing_else()
    {
        var state = Repo.TempDirectory("xp-inactive");
        var path = Path.Combine(state, "db.sqlite");
        var database = new XmppPrivacy.Storage.SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var store = new XmppPrivacy.Services.Activity.ActivityStore(database);
        await store.RecordAsync(Account.Parse("sleeper@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-200), CancellationToken.None);
        await store.RecordAsync(Account.Parse("sleeper@localhost"), login: false, DateTimeOffset.UtcNow.AddDays(-199), CancellationToken.None);
        await store.RecordAsync(Account.Parse("active@localhost"), login: true, DateTimeOffset.UtcNow.AddDays(-2), CancellationToken.None);

        var (code, output) = await Repo.RunAsync("dotnet", [Program, "inactive", "--days", "180"],
            new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = path });

        Assert.True(code == 0, output);
        Assert.Contains("1 account(s)", output);
        Assert.Contains("sleeper@localhost", output);
        Assert.DoesNotContain("active@localhost", output);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(state, recursive: true);
    }

    [Theory]
    [InlineData("a@b@c")]
    [InlineData("example.org")]
    [InlineData("alice@example.org/phone")]
    public async Task Forget_account_refuses_anything_but_a_bare_account_JID_and_changes_nothing(string jid)
    {
        var state = Repo.TempDirectory("xp-forget");
        var (code, output) = await Repo.RunAsync("dotnet", [Program, "forget-account", jid],
            new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = Path.Combine(state, "db.sqlite") });

        Assert.Equal(2, code);
        Assert.Contains("bare JID", output);
        Assert.False(File.Exists(Path.Combine(state, "db.sqlite")));
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task Forget_account_deletes_the_account_s_data_and_nobody_else_s()
    {
        var state = Repo.TempDirectory("xp-forget");
        var path = Path.Combine(state, "db.sqlite");
        var database = new XmppPrivacy.Storage.SqliteDatabase(path, XmppPrivacy.Hosting.Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var store = new XmppPrivacy.Services.Activity.ActivityStore(database);
        await store.RecordAsync(Account.Parse("leaver@localhost"), login: true, DateTimeOffset.UtcNow, CancellationToken.None);
        await store.RecordAsync(Account.Parse("stayer@localhost"), login: true, DateTimeOffset.UtcNow, CancellationToken.None);

        var (code, output) = await Repo.RunAsync("dotnet", [Program, "forget-account", "leaver@localhost"],
            new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = path });

        Assert.True(code == 0, output);
        Assert.Null(await store.GetAsync(Account.Parse("leaver@localhost"), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(Account.Parse("stayer@localhost"), CancellationToken.None));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(state, recursive: true);
    }
}
