using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The terminal clients people use, from Debian, driven through tmux against a test Prosody that offers
/// STARTTLS with a self-signed certificate (as <c>make run</c>'s does): poezio connects with TLS required,
/// and profanity shows a conversation's history fetched from the component's archive, once and in order.
/// Both run as an unprivileged user (poezio refuses root) with their own home folder.
/// </summary>
[Collection(RealServers.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RealClientsTests
{
    [Fact]
    public async Task Poezio_connects_with_TLS_required_after_trusting_the_servers_certificate()
    {
        await using var prosody = await ProsodyServer.StartAsync(configure: ProsodyServer.WithCertificate);
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("pia", "pia-secret");
        using var home = new ClientHome(prosody);
        await File.WriteAllTextAsync(Path.Combine(home.Path, ".config", "poezio", "poezio.cfg"), $"""
            [Poezio]
            jid = pia@localhost
            password = pia-secret
            custom_host = 127.0.0.1
            custom_port = {prosody.C2sPort}
            force_encryption = true
            ca_cert_path = {home.Certificate}
            """);
        home.Open();
        await using var poezio = await Terminal.StartAsync("poezio", home);

        var screen = await poezio.WaitForAsync(s => s.Contains("Your JID is pia@localhost/", StringComparison.Ordinal), "poezio logged in");

        Assert.Contains("Authentication success", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("certificate", screen, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Profanity_shows_a_conversations_history_from_the_archive_once_and_in_order_over_TLS()
    {
        await using var prosody = await ProsodyServer.StartAsync(configure: ProsodyServer.WithCertificate);
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("paula", "paula-secret");
        await prosody.RegisterAsync("bert", "bert-secret");
        await using (var paula = await XmppTestClient.LoginAsync(prosody.C2sPort, "paula", "paula-secret"))
        {
            // profanity has no archiving setting: the user opts in with another client (here, raw XML).
            var set = await paula.IqAsync("<iq type='set'><prefs xmlns='urn:xmpp:mam:2' default='always'/></iq>");
            Assert.Equal("result", (string?)set.Attribute("type"));
        }
        await using (var bert = await XmppTestClient.LoginAsync(prosody.C2sPort, "bert", "bert-secret"))
        {
            for (var i = 1; i <= 3; i++)
                await bert.SendAsync($"<message type='chat' to='paula@localhost' id='h{i}'><body>history line {i}</body></message>");
            await Repo.WaitUntilAsync(() => Task.FromResult(ArchivedRows(component) >= 3), TimeSpan.FromSeconds(15), "the three messages are archived");
        }
        using var home = new ClientHome(prosody);
        home.Open();
        await using var profanity = await Terminal.StartAsync("profanity -l DEBUG", home);
        await profanity.WaitForAsync(s => s.Contains("Type '/help'", StringComparison.Ordinal), "profanity started");

        await profanity.TypeAsync("/mam on");
        await profanity.TypeAsync($"/connect paula@localhost server 127.0.0.1 port {prosody.C2sPort} tls trust");
        await profanity.WaitForAsync(s => s.Contains("password", StringComparison.OrdinalIgnoreCase), "the password prompt");
        await profanity.TypeAsync("paula-secret");
        await profanity.WaitForAsync(s => s.Contains("logged in successfully", StringComparison.Ordinal), "profanity logged in");
        await profanity.TypeAsync("/msg bert@localhost");
        var screen = await profanity.WaitForAsync(s => s.Contains("history line 3", StringComparison.Ordinal), "the history in the chat window");
        await Task.Delay(TimeSpan.FromSeconds(3)); // a second page would arrive now
        screen = await profanity.ScreenAsync();

        var lines = screen.Split('\n').Where(l => l.Contains("history line", StringComparison.Ordinal)).ToList();
        Assert.Equal(["history line 1", "history line 2", "history line 3"], lines.Select(l => l[l.IndexOf("history line", StringComparison.Ordinal)..].TrimEnd()));
        Assert.Contains("[TLS]", screen, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(Path.Combine(home.Path, ".local", "share", "profanity", "logs", "profanity.log"));
        Assert.Contains("urn:xmpp:mam:2", log, StringComparison.Ordinal);
        // Not one error answer: not to the archive queries (the bare <after/> profanity sends once was refused),
        // nor to what profanity asks of the server at login (PEP, bookmarks, blocklist: the demo loads them).
        var errors = log.Split('\n').Where(l => l.Contains("type=\"error\"", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Empty(component.ErrorLines());
    }

    private static int ArchivedRows(ComponentUnderTest component) =>
        Convert.ToInt32(DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages WHERE owner = 'paula@localhost';"));
}
