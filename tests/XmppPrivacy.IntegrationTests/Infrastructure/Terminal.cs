namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// A terminal program in its own tmux server, run as the unprivileged user nobody with <see cref="ClientHome"/>
/// as its home: <see cref="TypeAsync"/> is tmux send-keys, <see cref="ScreenAsync"/> is capture-pane. Waits poll
/// the screen with generous limits (the machine may be busy); nothing is asserted about how long anything took.
/// </summary>
public sealed class Terminal : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(45);
    private readonly string _socket;

    private Terminal(string socket) => _socket = socket;

    public static async Task<Terminal> StartAsync(string command, ClientHome home)
    {
        var terminal = new Terminal("xp-" + Guid.NewGuid().ToString("N")[..10]);
        var (code, output) = await Repo.RunAsync("tmux", ["-L", terminal._socket, "new-session", "-d", "-x", "160", "-y", "100",
            $"setpriv --reuid=65534 --regid=65534 --clear-groups env HOME={home.Path} XDG_CONFIG_HOME={home.Path}/.config " +
            $"XDG_DATA_HOME={home.Path}/.local/share TERM=xterm-256color {command}"]);
        Assert.True(code == 0, output);
        return terminal;
    }

    /// <summary>The visible screen and up to 200 lines of scrollback, wrapped lines joined.</summary>
    public async Task<string> ScreenAsync() =>
        (await Repo.RunAsync("tmux", ["-L", _socket, "capture-pane", "-p", "-J", "-S", "-200"])).Output;

    /// <summary>The visible screen only, wrapped lines joined (what a person sees after switching windows).</summary>
    public async Task<string> VisibleAsync() =>
        (await Repo.RunAsync("tmux", ["-L", _socket, "capture-pane", "-p", "-J"])).Output;

    /// <summary>Types <paramref name="text"/> literally, then Enter.</summary>
    public async Task TypeAsync(string text)
    {
        await Repo.RunAsync("tmux", ["-L", _socket, "send-keys", "-l", text]);
        // A pause before Enter: poezio reads a burst of keys as a paste, in which Enter is a new line, not "send".
        await Task.Delay(300);
        await Repo.RunAsync("tmux", ["-L", _socket, "send-keys", "Enter"]);
        await Task.Delay(300);
    }

    /// <summary>Presses keys by tmux name (e.g. <c>M-1</c>, <c>C-n</c>).</summary>
    public async Task KeysAsync(params string[] keys)
    {
        await Repo.RunAsync("tmux", ["-L", _socket, "send-keys", .. keys]);
        await Task.Delay(300);
    }

    /// <summary>Polls the screen until <paramref name="condition"/> holds; the screen is in the timeout's message.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var screen = "";
        try
        {
            await Repo.WaitUntilAsync(async () => condition(screen = await ScreenAsync()), timeout ?? DefaultWait, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nScreen:\n" + screen);
        }
        return screen;
    }

    /// <summary>Waits until the screen shows <paramref name="text"/>.</summary>
    public Task<string> WaitForTextAsync(string text, string what, TimeSpan? timeout = null) =>
        WaitForAsync(s => s.Contains(text, StringComparison.Ordinal), what, timeout);

    /// <summary>Whether the program still runs (its tmux server ends with it).</summary>
    public async Task<bool> RunningAsync() => (await Repo.RunAsync("tmux", ["-L", _socket, "has-session"])).ExitCode == 0;

    public async ValueTask DisposeAsync() => await Repo.RunAsync("tmux", ["-L", _socket, "kill-server"]);
}
