using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Streams;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Streams;

/// <summary>
/// The reconnect loop against a scripted server on a loopback socket. The fake clock never moves by itself,
/// so a retry before it is advanced would be a tight loop.
/// </summary>
public sealed class ComponentLinkTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _stop = new();
    private readonly TestLog _log = new();
    private LinkStatus _status = null!;
    private Task _run = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _listener.Start();
        _status = new LinkStatus(_time);
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var options = new ComponentLinkOptions("privacy.localhost", "127.0.0.1", port, SessionHarness.Secret,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10),
            new ComponentSessionOptions());
        var router = new Router(["privacy.localhost"], [new CoreService()], new IqTracker(), _log.For<Router>());
        _run = new ComponentLink(options, router, _status, _time, _log.For<ComponentLink>()).RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(FakeServer.Patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task<FakeServer> AcceptAsync()
    {
        var client = await _listener.AcceptTcpClientAsync().WaitAsync(FakeServer.Patience);
        return new FakeServer(client.GetStream());
    }

    /// <summary>
    /// Moves the fake clock a second at a time until the link dials again. The link may not have started its
    /// delay when the status changes, so one step might not be enough; no step is ever a measurement.
    /// </summary>
    private async Task<FakeServer> AdvanceUntilReconnectedAsync()
    {
        for (var i = 0; i < 500 && !_listener.Pending(); i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        return await AcceptAsync();
    }

    private async Task<LinkSnapshot> StatusAsync(LinkState state)
    {
        using var patience = new CancellationTokenSource(FakeServer.Patience);
        while (true)
        {
            if (_status.All.SingleOrDefault() is { } link && link.State == state) return link;
            await Task.Delay(10, patience.Token);
        }
    }

    [Fact]
    public async Task Wrong_secret_backs_off_reports_auth_failed_and_retries_only_when_the_delay_passed()
    {
        using (var server = await AcceptAsync())
        {
            await server.ReceiveHandshakeAsync();
            await server.SendAsync(FakeServer.StreamError("not-authorized", "Given token does not match calculated token"));

            var link = await StatusAsync(LinkState.AuthenticationFailed);

            Assert.Equal("not-authorized", link.LastError);
            Assert.Equal(1, link.Failures);
        }
        Assert.False(_listener.Pending(), "reconnected before the backoff delay passed");
        Assert.Contains(_log.Entries, e => e.Id.Id == 1011);
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains(SessionHarness.Secret, StringComparison.Ordinal));

        using var again = await AdvanceUntilReconnectedAsync();
        await again.AcceptAsync();

        await StatusAsync(LinkState.Connected);
    }

    [Theory]
    [InlineData("conflict")]
    [InlineData("host-unknown")]
    public async Task A_refused_handshake_backs_off_with_the_reason(string condition)
    {
        using var server = await AcceptAsync();
        await server.ReceiveHandshakeAsync();
        await server.SendAsync(FakeServer.StreamError(condition));

        var link = await StatusAsync(LinkState.BackingOff);

        Assert.Equal(condition, link.LastError);
        Assert.False(_listener.Pending(), "reconnected before the backoff delay passed");
    }

    [Fact]
    public async Task A_server_that_goes_away_after_the_handshake_is_reconnected_after_a_delay()
    {
        using (var server = await AcceptAsync())
        {
            await server.AcceptAsync();
            await StatusAsync(LinkState.Connected);
        }

        var link = await StatusAsync(LinkState.BackingOff);
        Assert.Equal("connection lost", link.LastError);
        using var again = await AdvanceUntilReconnectedAsync();
        await again.AcceptAsync();

        await StatusAsync(LinkState.Connected);
    }

    [Fact]
    public async Task Stopping_closes_the_stream_and_reports_stopped()
    {
        using var server = await AcceptAsync();
        await server.AcceptAsync();
        await StatusAsync(LinkState.Connected);

        await _stop.CancelAsync();
        await _run.WaitAsync(FakeServer.Patience);

        Assert.Null(await server.ReadAsync());
        Assert.Equal(LinkState.Stopped, _status.All.Single().State);
    }
}
