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
    public async Task Ctrl_C_on_make_run_piped_into_another_program_stops_prosody_and_the_component_even_when_that_program_ended_first()
    {
        var state = Repo.TempDirectory("xp-demo");
        var httpPort = Repo.FreePort();
        // `make run | tee demo.log`: Ctrl-C reaches tee as well, which ends before the script has stopped anything.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"bash '{Script}' 2>&1 | cat");
        foreach (var (k, v) in Environment(state, httpPort)) start.Environment[k] = v;
        using var pipeline = Process.Start(start)!;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pipeline.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("demo is running", StringComparison.Ordinal) == true) running.TrySetResult();
        };
        pipeline.BeginOutputReadLine();
        pipeline.BeginErrorReadLine();
        try
        {
            await running.Task.WaitAsync(TimeSpan.FromMinutes(4));
            Assert.NotEmpty(ProcessesUnder(state));
            var children = Children(pipeline.Id);
            var script = children.Single(pid => CommandLine(pid).Contains("run-demo.sh", StringComparison.Ordinal));
            var reader = children.Single(pid => pid != script);

            await Repo.RunAsync("kill", ["-KILL", reader.ToString()]);
            await Repo.RunAsync("kill", ["-INT", script.ToString()]);

            Assert.True(pipeline.WaitForExit(60_000), "the demo ended");
            await Repo.WaitUntilAsync(() => Task.FromResult(ProcessesUnder(state).Count == 0), TimeSpan.FromSeconds(30),
                "Prosody and the component have stopped");
        }
        finally
        {
            if (!pipeline.HasExited) pipeline.Kill(entireProcessTree: true);
            foreach (var pid in ProcessesUnder(state)) await Repo.RunAsync("kill", ["-KILL", pid.ToString()]);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>Processes whose command line names a path in <paramref name="state"/> (the demo's Prosody and component).</summary>
    private static List<int> ProcessesUnder(string state) =>
        [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid).Contains(state, StringComparison.Ordinal))];

    private static List<int> Children(int parent) =>
        [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)];

    private static int ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
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
