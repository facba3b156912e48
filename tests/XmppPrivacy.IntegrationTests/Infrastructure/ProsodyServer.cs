using System.Diagnostics;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// A real Prosody (Debian package) on loopback with a configuration generated from
/// scripts/prosody.cfg.lua.in, free ports and its own temporary directory. Stopped on dispose.
/// </summary>
public sealed class ProsodyServer : IAsyncDisposable
{
    public const string ServerDomain = "localhost";
    public const string PrivacyDomain = "privacy.localhost";
    public const string UploadDomain = "upload.localhost";
    public const string RoomsDomain = "rooms.localhost";

    private Process? _process;

    private ProsodyServer(string state, string secret)
    {
        State = state;
        Secret = secret;
    }

    public string State { get; }
    public string Secret { get; }
    public int C2sPort { get; } = Repo.FreePort();
    public int ComponentPort { get; } = Repo.FreePort();
    public string ConfigPath => Path.Combine(State, "prosody.cfg.lua");
    public string LogPath => Path.Combine(State, "prosody.log");

    /// <summary>
    /// Starts Prosody with the bridge (or without), and with its own registration notices going to the
    /// component (<paramref name="watcher"/>) or to nobody. <paramref name="hostSettings"/> are Lua lines added to the
    /// VirtualHost's section (e.g. <c>privacy_bridge_queue_size = 5</c>). <paramref name="configure"/> may change the
    /// generated configuration (<see cref="ConfigPath"/>) or add files to <see cref="State"/> before Prosody starts.
    /// </summary>
    public static async Task<ProsodyServer> StartAsync(bool bridge = true, bool watcher = false, Action<ProsodyServer>? configure = null,
        string? hostSettings = null)
    {
        var server = new ProsodyServer(Repo.TempDirectory("xp-prosody"), Guid.NewGuid().ToString("N"));
        var (code, output) = await Repo.RunAsync("bash",
            [Path.Combine(Repo.Root, "scripts", "generate-prosody-config.sh"), server.State, server.C2sPort.ToString(),
             server.ComponentPort.ToString(), server.Secret, "debug"],
            new Dictionary<string, string>
            {
                ["PROSODY_MODULES"] = bridge ? "\"privacy_bridge\";" : "",
                ["PROSODY_WATCHERS"] = watcher ? $"\"{PrivacyDomain}\"" : "",
            });
        if (code != 0) throw new InvalidOperationException("Generating the Prosody configuration failed: " + output);
        if (hostSettings is not null)
        {
            const string anchor = "\tprivacy_bridge_component = ";
            var config = await File.ReadAllTextAsync(server.ConfigPath);
            await File.WriteAllTextAsync(server.ConfigPath, config.Replace(anchor, "\t" + hostSettings + "\n" + anchor, StringComparison.Ordinal));
        }
        configure?.Invoke(server);
        await server.StartProcessAsync();
        return server;
    }

    public async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("prosody") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(ConfigPath);
        start.ArgumentList.Add("-F");
        _process = Process.Start(start) ?? throw new InvalidOperationException("prosody did not start (is the Debian package installed? `make test` installs it).");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Repo.WaitUntilAsync(async () => _process.HasExited
            ? throw new InvalidOperationException("Prosody exited at start:\n" + Log())
            : await Repo.PortOpenAsync(C2sPort) && await Repo.PortOpenAsync(ComponentPort),
            TimeSpan.FromSeconds(30), "Prosody listens");
    }

    /// <summary>SIGTERM and wait, as an operator's restart would.</summary>
    public async Task StopProcessAsync()
    {
        if (_process is null || _process.HasExited) return;
        await Repo.TerminateAsync(_process.Id);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async Task RestartAsync()
    {
        await StopProcessAsync();
        await StartProcessAsync();
    }

    public Task<(int ExitCode, string Output)> ProsodyctlAsync(params string[] args) =>
        Repo.RunAsync("prosodyctl", ["--config", ConfigPath, .. args]);

    public async Task RegisterAsync(string user, string password)
    {
        var (code, output) = await ProsodyctlAsync("register", user, ServerDomain, password);
        if (code != 0) throw new InvalidOperationException("prosodyctl register failed: " + output);
    }

    /// <summary>
    /// A <c>configure</c> step for <see cref="StartAsync"/>: a self-signed certificate for localhost where Prosody
    /// looks for it, so it offers STARTTLS as <c>make run</c>'s does. Clients trust <see cref="CertificateOf"/>.
    /// </summary>
    public static void WithCertificate(ProsodyServer server)
    {
        var certs = Path.Combine(server.State, "certs");
        Directory.CreateDirectory(certs);
        var (code, output) = Repo.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", Path.Combine(certs, "localhost.key"), "-out", Path.Combine(certs, "localhost.crt")]).GetAwaiter().GetResult();
        if (code != 0) throw new InvalidOperationException("openssl could not make the test certificate: " + output);
    }

    /// <summary>The certificate made by <see cref="WithCertificate"/>.</summary>
    public static string CertificateOf(ProsodyServer server) => Path.Combine(server.State, "certs", "localhost.crt");

    public string Log() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(State, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
