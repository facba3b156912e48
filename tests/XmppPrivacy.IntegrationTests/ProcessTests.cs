using System.Diagnostics;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The program as an operator runs it: <c>xmpp-privacy run</c> and <c>check-config</c> as processes.</summary>
[Collection(RealServers.Name)]
public sealed class ProcessTests
{
    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "xmpp-privacy.dll");

    [Fact]
    public async Task Sigterm_closes_the_streams_and_exits_0()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-process");
        var httpPort = Repo.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Program);
        start.ArgumentList.Add("run");
        start.Environment["XMPPPRIVACY_Component__Port"] = prosody.ComponentPort.ToString();
        start.Environment["XMPPPRIVACY_Component__Secret"] = prosody.Secret;
        start.Environment["XMPPPRIVACY_Http__Urls"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["XMPPPRIVACY_Storage__Path"] = Path.Combine(state, "db.sqlite");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await Repo.WaitUntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/health")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the component is connected");

        await Repo.TerminateAsync(process.Id);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        await process.WaitForExitAsync(cts.Token);

        Assert.Equal(0, process.ExitCode);
        // Prosody saw each component close its stream (it logs "Received </stream:stream>" at debug).
        await Repo.WaitUntilAsync(() => Task.FromResult(
            prosody.Log().Split('\n').Count(l => l.Contains("Received </stream:stream>")) >= 3), TimeSpan.FromSeconds(5), "three streams closed");
        Assert.DoesNotContain(" fail ", await stderr);
        Directory.Delete(state, recursive: true);
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
    public async Task Inactive_lists_accounts_not_seen_for_the_given_days_and_nothing_else()
    {
        var state = Repo.TempDirectory("xp-inactive");
        var path = Path.Combine(state, "db.sqlite");
        var database = new XmppPrivacy.Storage.SqliteDatabase(path);
        await database.MigrateAsync(CancellationToken.None);
        var store = new XmppPrivacy.Services.Activity.ActivityStore(database);
        await store.RecordAsync("sleeper@localhost", login: true, DateTimeOffset.UtcNow.AddDays(-200), CancellationToken.None);
        await store.RecordAsync("sleeper@localhost", login: false, DateTimeOffset.UtcNow.AddDays(-199), CancellationToken.None);
        await store.RecordAsync("active@localhost", login: true, DateTimeOffset.UtcNow.AddDays(-2), CancellationToken.None);

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
        var database = new XmppPrivacy.Storage.SqliteDatabase(path);
        await database.MigrateAsync(CancellationToken.None);
        var store = new XmppPrivacy.Services.Activity.ActivityStore(database);
        await store.RecordAsync("leaver@localhost", login: true, DateTimeOffset.UtcNow, CancellationToken.None);
        await store.RecordAsync("stayer@localhost", login: true, DateTimeOffset.UtcNow, CancellationToken.None);

        var (code, output) = await Repo.RunAsync("dotnet", [Program, "forget-account", "leaver@localhost"],
            new Dictionary<string, string> { ["XMPPPRIVACY_Storage__Path"] = path });

        Assert.True(code == 0, output);
        Assert.Null(await store.GetAsync("leaver@localhost", CancellationToken.None));
        Assert.NotNull(await store.GetAsync("stayer@localhost", CancellationToken.None));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(state, recursive: true);
    }
}
