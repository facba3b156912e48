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
        await using var prosody = await ProsodyServer.StartAsync(configure: WithCertificate);
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
        await using var poezio = await Terminal.StartAsync("poezio", home.Path);

        var screen = await poezio.WaitForAsync(s => s.Contains("Your JID is pia@localhost/", StringComparison.Ordinal), "poezio logged in");

        Assert.Contains("Authentication success", screen, StringComparison.Ordinal);
        Assert.DoesNotContain("certificate", screen, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Profanity_shows_a_conversations_history_from_the_archive_once_and_in_order_over_TLS()
    {
        await using var prosody = await ProsodyServer.StartAsync(configure: WithCertificate);
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
        await using var profanity = await Terminal.StartAsync("profanity -l DEBUG", home.Path);
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
        Assert.DoesNotContain(log.Split('\n'), l => l.Contains("type=\"error\"", StringComparison.Ordinal));
        Assert.Empty(component.ErrorLines());
    }

    private static int ArchivedRows(ComponentUnderTest component) =>
        Convert.ToInt32(DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages WHERE owner = 'paula@localhost';"));

    /// <summary>A self-signed certificate for localhost, where Prosody looks for it.</summary>
    private static void WithCertificate(ProsodyServer server)
    {
        var certs = Path.Combine(server.State, "certs");
        Directory.CreateDirectory(certs);
        var (code, output) = Repo.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", Path.Combine(certs, "localhost.key"), "-out", Path.Combine(certs, "localhost.crt")]).GetAwaiter().GetResult();
        Assert.True(code == 0, output);
    }

    /// <summary>A home folder an unprivileged client may write, with the server's certificate in it.</summary>
    private sealed class ClientHome : IDisposable
    {
        public ClientHome(ProsodyServer prosody)
        {
            Path = Repo.TempDirectory("xp-client-home");
            Directory.CreateDirectory(System.IO.Path.Combine(Path, ".config", "poezio"));
            Certificate = System.IO.Path.Combine(Path, "server.crt");
            File.Copy(System.IO.Path.Combine(prosody.State, "certs", "localhost.crt"), Certificate);
        }

        public string Path { get; }
        public string Certificate { get; }

        /// <summary>Lets the unprivileged user own what is in the folder.</summary>
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public void Open()
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories).Append(Path))
                File.SetUnixFileMode(entry, Directory.Exists(entry) ? (UnixFileMode)0b111_111_111 : (UnixFileMode)0b110_110_110);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A terminal program in its own tmux server, run as the unprivileged user nobody.</summary>
    private sealed class Terminal : IAsyncDisposable
    {
        private readonly string _socket;

        private Terminal(string socket) => _socket = socket;

        public static async Task<Terminal> StartAsync(string command, string home)
        {
            var terminal = new Terminal("xp-" + Guid.NewGuid().ToString("N")[..10]);
            var (code, output) = await Repo.RunAsync("tmux", ["-L", terminal._socket, "new-session", "-d", "-x", "160", "-y", "45",
                $"setpriv --reuid=65534 --regid=65534 --clear-groups env HOME={home} XDG_CONFIG_HOME={home}/.config XDG_DATA_HOME={home}/.local/share TERM=xterm-256color {command}"]);
            Assert.True(code == 0, output);
            return terminal;
        }

        public async Task<string> ScreenAsync() =>
            (await Repo.RunAsync("tmux", ["-L", _socket, "capture-pane", "-p", "-J", "-S", "-200"])).Output;

        public async Task TypeAsync(string text)
        {
            await Repo.RunAsync("tmux", ["-L", _socket, "send-keys", "-l", text]);
            await Repo.RunAsync("tmux", ["-L", _socket, "send-keys", "Enter"]);
            await Task.Delay(300);
        }

        public async Task<string> WaitForAsync(Func<string, bool> condition, string what)
        {
            var screen = "";
            try
            {
                await Repo.WaitUntilAsync(async () => condition(screen = await ScreenAsync()), TimeSpan.FromSeconds(30), what);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(e.Message + "\nScreen:\n" + screen);
            }
            return screen;
        }

        public async ValueTask DisposeAsync() => await Repo.RunAsync("tmux", ["-L", _socket, "kill-server"]);
    }
}
