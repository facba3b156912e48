using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>Last activity and the deletion cascade on a real Prosody with the bridge.</summary>
[Collection(RealServers.Name)]
public sealed class AccountsTests
{
    [Fact]
    public async Task Login_and_logout_times_are_kept_without_address_or_resource()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("dora", "dora-secret");

        await using (await XmppTestClient.LoginAsync(prosody.C2sPort, "dora", "dora-secret", resource: "laptop-at-home"))
            await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, "dora@localhost") is { Login: not null }), TimeSpan.FromSeconds(10), "login recorded");
        await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, "dora@localhost") is { Logout: not null }), TimeSpan.FromSeconds(10), "logout recorded");

        var row = Row(component, "dora@localhost")!.Value;
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(row.Login!.Value), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.True(row.Logout >= row.Login);
        Assert.Equal(["account", "last_login_ms", "last_logout_ms"], Columns(component));
        Assert.DoesNotContain("laptop-at-home", DatabaseText(component));
    }

    [Theory]
    [InlineData("in-band <remove/>")]
    [InlineData("prosodyctl shell user delete")]
    public async Task Deleting_an_account_deletes_its_data_and_a_new_account_of_the_same_name_sees_none(string how)
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("frank", "frank-secret");
        await using (await XmppTestClient.LoginAsync(prosody.C2sPort, "frank", "frank-secret"))
            await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, "frank@localhost") is not null), TimeSpan.FromSeconds(10), "activity recorded");

        if (how.StartsWith("in-band", StringComparison.Ordinal))
        {
            await using var frank = await XmppTestClient.LoginAsync(prosody.C2sPort, "frank", "frank-secret");
            var removed = await frank.IqAsync("<iq type='set'><query xmlns='jabber:iq:register'><remove/></query></iq>");
            Assert.Equal("result", (string?)removed.Attribute("type"));
        }
        else
        {
            var (code, output) = await prosody.ProsodyctlAsync("shell", "user", "delete", "frank@localhost");
            Assert.True(code == 0, output);
        }

        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_accounts_deleted_total") == 1, TimeSpan.FromSeconds(10), "the deletion arrived");
        await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, "frank@localhost") is null), TimeSpan.FromSeconds(10), "the row is gone");

        await prosody.RegisterAsync("frank", "new-frank-secret");
        Assert.Null(Row(component, "frank@localhost"));
    }

    [Fact]
    public async Task An_account_deleted_with_prosodyctl_deluser_is_purged_by_reconciliation()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?> { ["Sweeps:Interval"] = "1s" });
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("gina", "gina-secret");
        await prosody.RegisterAsync("hugo", "hugo-secret");
        foreach (var user in new[] { "gina", "hugo" })
            await using (await XmppTestClient.LoginAsync(prosody.C2sPort, user, user + "-secret"))
                await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, user + "@localhost") is not null), TimeSpan.FromSeconds(10), "activity recorded");

        // Edits Prosody's storage directly: no user-deleted event fires.
        var (code, output) = await prosody.ProsodyctlAsync("deluser", "gina@localhost");
        Assert.True(code == 0, output);

        await Repo.WaitUntilAsync(() => Task.FromResult(Row(component, "gina@localhost") is null), TimeSpan.FromSeconds(15), "gina's data is purged");
        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_accounts_reconciled_total") == 1, TimeSpan.FromSeconds(5), "the purge is counted");
        Assert.NotNull(Row(component, "hugo@localhost"));
    }

    private static (long? Login, long? Logout)? Row(ComponentUnderTest component, string account)
    {
        using var connection = Open(component);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_login_ms, last_logout_ms FROM last_activity WHERE account = $a";
        command.Parameters.AddWithValue("$a", account);
        using var rows = command.ExecuteReader();
        if (!rows.Read()) return null;
        return (rows.IsDBNull(0) ? null : rows.GetInt64(0), rows.IsDBNull(1) ? null : rows.GetInt64(1));
    }

    private static List<string> Columns(ComponentUnderTest component)
    {
        using var connection = Open(component);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('last_activity') ORDER BY cid";
        using var rows = command.ExecuteReader();
        var names = new List<string>();
        while (rows.Read()) names.Add(rows.GetString(0));
        return names;
    }

    private static string DatabaseText(ComponentUnderTest component)
    {
        using var connection = Open(component);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(account || ' ' || COALESCE(last_login_ms, '') || ' ' || COALESCE(last_logout_ms, ''), '\n') FROM last_activity";
        return command.ExecuteScalar() as string ?? "";
    }

    private static SqliteConnection Open(ComponentUnderTest component) => DatabaseFile.Open(component.DatabasePath);
}
