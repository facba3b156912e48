using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Tests.Support;

/// <summary>
/// A <see cref="ComponentSession"/> for privacy.localhost running over an in-memory connection, with the
/// real <see cref="Router"/> and <see cref="CoreService"/>, and a <see cref="FakeServer"/> on the other end.
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    public const string Domain = "privacy.localhost";
    public const string Secret = "s3cret";

    /// <summary>A ping whose answer shows that everything sent before it was handled (inbound order is kept).</summary>
    public const string Marker =
        "<iq type='get' id='marker' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>";

    private readonly DuplexPipeStream _component;
    private readonly CancellationTokenSource _stop = new();

    public SessionHarness(params IComponentService[] extraServices) : this(new ComponentSessionOptions(), extraServices)
    {
    }

    public SessionHarness(ComponentSessionOptions options, params IComponentService[] extraServices)
    {
        Router = new Router([Domain], [new CoreService(), .. extraServices], Tracker, Log.For<Router>());
        var (component, server) = DuplexPipeStream.CreatePair();
        _component = component;
        Server = new FakeServer(server);
        var session = new ComponentSession(Domain, Secret, Router, options, Time, Log.For<ComponentSession>());
        Run = session.RunAsync(component, () => Interlocked.Increment(ref _authenticated), _stop.Token);
    }

    private int _authenticated;

    public TestLog Log { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    public IqTracker Tracker { get; } = new();
    public Router Router { get; }
    public FakeServer Server { get; }

    /// <summary>The session's <c>RunAsync</c>.</summary>
    public Task Run { get; }

    public int Authenticated => Volatile.Read(ref _authenticated);

    /// <summary>A session past its handshake.</summary>
    public static async Task<SessionHarness> ConnectedAsync(params IComponentService[] services)
    {
        var harness = new SessionHarness(services);
        await harness.Server.AcceptAsync();
        return harness;
    }

    /// <summary>Sends one stanza as the server and returns the next thing the component writes.</summary>
    public async Task<XElement> AskAsync(string stanza)
    {
        await Server.SendAsync(stanza);
        return await Server.ExpectAsync();
    }

    /// <summary>Cancels the stopping token, as the host does on shutdown.</summary>
    public Task StopAsync() => _stop.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Server.Dispose();
        await Run.WaitAsync(FakeServer.Patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _component.Dispose();
        _stop.Dispose();
    }
}
