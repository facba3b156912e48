using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Routing;

namespace XmppPrivacy.Streams;

/// <summary>Where and how one domain connects. The secret is never logged.</summary>
public sealed record ComponentLinkOptions(
    string Domain, string Host, int Port, string Secret,
    TimeSpan ReconnectBaseDelay, TimeSpan ReconnectMaxDelay, TimeSpan StableAfter,
    TimeSpan ConnectTimeout, ComponentSessionOptions Session);

/// <summary>
/// Keeps one domain connected: opens the TCP connection (the only socket code of the component), runs a
/// <see cref="ComponentSession"/>, and after any failure waits a <see cref="Backoff"/> delay. The backoff
/// resets only after a session stayed up for <see cref="ComponentLinkOptions.StableAfter"/>.
/// </summary>
public sealed partial class ComponentLink(
    ComponentLinkOptions options, IStanzaRouter router, LinkStatus status, TimeProvider time, ILogger<ComponentLink> logger)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = new Backoff(options.ReconnectBaseDelay, options.ReconnectMaxDelay);
        var failures = 0;
        var warned = false;
        while (!stopping.IsCancellationRequested)
        {
            status.Set(options.Domain, LinkState.Connecting, failures: failures);
            long? upSince = null;
            string reason;
            var authFailed = false;
            try
            {
                using var client = new TcpClient { NoDelay = true };
                client.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    connectTimeout.CancelAfter(options.ConnectTimeout);
                    await client.ConnectAsync(options.Host, options.Port, connectTimeout.Token);
                }
                await using var stream = client.GetStream();
                var session = new ComponentSession(options.Domain, options.Secret, router, options.Session, time, logger);
                await session.RunAsync(stream, () =>
                {
                    upSince = time.GetTimestamp();
                    failures = 0;
                    warned = false;
                    status.Set(options.Domain, LinkState.Connected);
                }, stopping);
                reason = "closed by the server";
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (HandshakeFailedException e)
            {
                reason = e.Condition;
                authFailed = e.IsAuthentication;
            }
            catch (StreamErrorException e)
            {
                reason = e.Condition;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or EndOfStreamException)
            {
                reason = e is SocketException s ? s.SocketErrorCode.ToString() : "connection lost";
            }
            if (stopping.IsCancellationRequested) break;

            if (upSince is { } since && time.GetElapsedTime(since) >= options.StableAfter) backoff.Reset();
            failures++;
            var delay = backoff.Next();
            // One log line per outage, written before the state changes so /health never runs ahead of the log.
            if (!warned && authFailed) LogAuthFailed(logger, options.Domain, delay);
            else if (!warned) LogDisconnected(logger, options.Domain, reason, delay);
            warned = true;
            status.Set(options.Domain, authFailed ? LinkState.AuthenticationFailed : LinkState.BackingOff, reason, failures);
            try
            {
                await Task.Delay(delay, time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        status.Set(options.Domain, LinkState.Stopped);
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Component {Domain} is disconnected ({Reason}); retrying in {Delay}")]
    private static partial void LogDisconnected(ILogger logger, string domain, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "Component {Domain}: the server refused the secret (not-authorized); retrying in {Delay}")]
    private static partial void LogAuthFailed(ILogger logger, string domain, TimeSpan delay);
}
