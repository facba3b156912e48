using System.Diagnostics;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// <c>make run</c> (scripts/run-demo.sh) as a newcomer runs it: it builds to its own folder whatever the shell
/// says, says it is running only when Prosody and every domain of the component are up, and otherwise stops
/// with a clear message and a non-zero exit. Each run has its own state folder and ports.
/// </summary>
[Collection(RealServers.Name)]
public sealed class DemoTests
{
    private static readonly string Script = Path.Combine(Repo.Root, "scripts", "run-demo.sh");

    private static Dictionary<string, string> Environment(string state, int httpPort) => new()
    {
        ["DEMO_STATE"] = Path.Combine(state, "demo"),
        ["DEMO_BIN"] = Path.Combine(state, "bin"),
        ["DEMO_C2S_PORT"] = Repo.FreePort().ToString(),
        ["DEMO_COMPONENT_PORT"] = Repo.FreePort().ToString(),
        ["DEMO_HTTP_PORT"] = httpPort.ToString(),
        ["DEMO_ADMIN_PASSWORD"] = "demo-admin-password",
        ["XMPPPRIVACY_Storage__Path"] = Path.Combine(state, "xmpp-privacy.db"),
        // What sent the build elsewhere on a newcomer's machine: MSBuild reads it as OutDir.
        ["OUTDIR"] = Path.Combine(state, "elsewhere"),
    };

    [Fact]
    public async Task The_demo_builds_to_its_own_folder_whatever_the_shell_says_and_is_running_only_when_everything_is_up()
    {
        var state = Repo.TempDirectory("xp-demo");
        var httpPort = Repo.FreePort();
        var environment = Environment(state, httpPort);
        using var demo = Start(environment);
        var output = new List<string>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (e.Data.Contains("demo is running", StringComparison.Ordinal)) running.TrySetResult();
        };
        demo.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add(e.Data);
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            await running.Task.WaitAsync(TimeSpan.FromMinutes(4));
            using var http = new HttpClient();
            var health = await http.GetAsync($"http://127.0.0.1:{httpPort}/health");

            Assert.True(health.IsSuccessStatusCode, string.Join('\n', output));
            Assert.True(File.Exists(Path.Combine(state, "bin", "xmpp-privacy.dll")));
            Assert.False(Directory.Exists(Path.Combine(state, "elsewhere")));
            // Clients that always upgrade to TLS get a certificate for the domain (self-signed, made on first run).
            var (tlsCode, tls) = await Repo.RunAsync("bash", ["-c",
                $"openssl s_client -starttls xmpp -xmpphost localhost -brief -connect 127.0.0.1:{environment["DEMO_C2S_PORT"]} </dev/null"],
                timeout: TimeSpan.FromSeconds(30));
            Assert.True(tlsCode == 0, tls);
            Assert.Contains("CONNECTION ESTABLISHED", tls, StringComparison.Ordinal);
            Assert.Contains("CN = localhost", tls, StringComparison.Ordinal);
        }
        finally
        {
            await Repo.TerminateAsync(demo.Id);
            if (!demo.WaitForExit(30_000)) demo.Kill(entireProcessTree: true);
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task When_the_component_cannot_connect_the_demo_stops_with_a_clear_message_and_a_non_zero_exit()
    {
        var state = Repo.TempDirectory("xp-demo");
        var environment = Environment(state, Repo.FreePort());
        environment["XMPPPRIVACY_Component__Port"] = Repo.FreePort().ToString(); // nothing listens there
        environment["DEMO_START_TIMEOUT"] = "8";
        try
        {
            var (code, output) = await Repo.RunAsync("bash", [Script], environment, TimeSpan.FromMinutes(4));

            Assert.Equal(1, code);
            Assert.Contains("did not connect every domain", output, StringComparison.Ordinal);
            Assert.DoesNotContain("demo is running", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task A_port_already_in_use_stops_the_demo_before_anything_answers_in_its_place()
    {
        var state = Repo.TempDirectory("xp-demo");
        var httpPort = Repo.FreePort();
        using var other = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, httpPort);
        other.Start();
        try
        {
            var (code, output) = await Repo.RunAsync("bash", [Script], Environment(state, httpPort), TimeSpan.FromMinutes(4));

            Assert.Equal(1, code);
            Assert.Contains($"127.0.0.1:{httpPort} is already in use", output, StringComparison.Ordinal);
            Assert.DoesNotContain("demo is running", output, StringComparison.Ordinal);
        }
        finally
        {
            other.Stop();
            Directory.Delete(state, recursive: true);
        }
    }

    private static Process Start(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        return Process.Start(start)!;
    }
}
