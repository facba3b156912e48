using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Streams;

/// <summary>The handshake failed: the server refused us (<see cref="Condition"/>) or did not answer properly.</summary>
public sealed class HandshakeFailedException(string condition, string message) : Exception(message)
{
    public string Condition { get; } = condition;
    public bool IsAuthentication => Condition == "not-authorized";
}

/// <summary>
/// One XEP-0114 session over an already open byte stream: header, handshake, then one read loop feeding
/// a bounded queue, one handler loop (inbound order is kept) and one writer loop. Knows nothing of sockets,
/// so transcript tests run it over an in-memory stream.
/// </summary>
public sealed partial class ComponentSession(
    string domain, string secret, IStanzaRouter router, ComponentSessionOptions options, TimeProvider time, ILogger logger)
{
    public const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='{0}'>";

    /// <summary>Runs until the peer ends the stream (returns), a fault (throws) or <paramref name="stopping"/> (closes cleanly).</summary>
    public async Task RunAsync(Stream stream, Action? onAuthenticated, CancellationToken stopping)
    {
        var writer = new StanzaWriter(stream, domain);
        using var abort = new CancellationTokenSource();
        var writing = writer.RunAsync(abort.Token);
        using var reader = new XmlStanzaReader(stream, options.Limits);
        Task handling = Task.CompletedTask;
        Task keepalive = Task.CompletedTask;
        Task connected = Task.CompletedTask;
        try
        {
            await writer.SendRawAsync(string.Format(Header, SecurityElement(domain)), abort.Token);
            await HandshakeAsync(reader, writer, stopping);
            onAuthenticated?.Invoke();
            LogAuthenticated(logger, domain);

            var inbound = Channel.CreateBounded<XElement>(new BoundedChannelOptions(options.InboundQueue)
            { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
            handling = HandleAsync(inbound.Reader, writer, abort.Token);
            // Runs beside the handler loop, which delivers the answers to what it sends; awaited at teardown.
            connected = router.OnConnectedAsync(writer, abort.Token).AsTask();
            keepalive = KeepaliveAsync(writer, abort.Token);
            try
            {
                await ReadAsync(reader, inbound.Writer, stopping);
            }
            finally
            {
                inbound.Writer.TryComplete();
            }
            await handling;
            LogPeerClosed(logger, domain);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Clean stop: finish what was read and the requests being answered, then close our stream.
            await handling.WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await router.IdleAsync().WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (StreamErrorException e) when (!e.FromPeer)
        {
            LogStreamError(logger, domain, e.Condition);
            writer.TrySendRaw(StreamError(e.Condition, e.Message));
            throw;
        }
        finally
        {
            writer.TrySendRaw("</stream:stream>");
            writer.Complete();
            await writing.WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await abort.CancelAsync();
            await keepalive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await connected.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await router.OnDisconnectedAsync(domain);
        }
    }

    private async Task HandshakeAsync(XmlStanzaReader reader, StanzaWriter writer, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            var header = await reader.ReadHeaderAsync(timeout.Token);
            if (string.IsNullOrEmpty(header.Id))
                throw new HandshakeFailedException("no-stream-id", "The server's stream header has no id.");
            await writer.SendRawAsync($"<handshake>{HandshakeDigest(header.Id, secret)}</handshake>", timeout.Token);
            var answer = await reader.ReadStanzaAsync(timeout.Token)
                ?? throw new HandshakeFailedException("closed", "The server closed the stream during the handshake.");
            if (answer.Name == Ns.Component + "handshake") return;
            if (answer.Name == Ns.Streams + "error")
                throw new HandshakeFailedException(StreamErrorCondition(answer), "The server refused the handshake.");
            throw new HandshakeFailedException("unexpected-answer", "The server answered the handshake with something else.");
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            throw new HandshakeFailedException("timeout", "The server did not complete the handshake in time.");
        }
        catch (EndOfStreamException)
        {
            throw new HandshakeFailedException("closed", "The server closed the connection during the handshake.");
        }
    }

    private async Task ReadAsync(XmlStanzaReader reader, ChannelWriter<XElement> inbound, CancellationToken stopping)
    {
        while (await reader.ReadStanzaAsync(stopping) is { } stanza)
        {
            if (stanza.Name == Ns.Streams + "error")
                throw new StreamErrorException(StreamErrorCondition(stanza), "The server ended the stream.", fromPeer: true);
            if (stanza.Name.Namespace != Ns.Component)
                throw new StreamErrorException("unsupported-stanza-type", "Only message, presence and iq stanzas are accepted.");
            if (router.TryCompleteReply(stanza, domain)) continue;
            await inbound.WriteAsync(stanza, stopping);
        }
    }

    private async Task HandleAsync(ChannelReader<XElement> inbound, IOutbound outbound, CancellationToken abort)
    {
        await foreach (var stanza in inbound.ReadAllAsync(abort))
            await router.RouteAsync(stanza, outbound, abort);
    }

    private async Task KeepaliveAsync(StanzaWriter writer, CancellationToken abort)
    {
        using var timer = new PeriodicTimer(options.KeepaliveInterval, time);
        while (await timer.WaitForNextTickAsync(abort))
            writer.TrySendRaw(" ");
    }

    public static string HandshakeDigest(string streamId, string secret) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(streamId + secret)));

    private static string StreamErrorCondition(XElement error) =>
        error.Elements().FirstOrDefault(e => e.Name.Namespace == Ns.StreamErrors && e.Name.LocalName != "text")?.Name.LocalName
        ?? "undefined-condition";

    public static string StreamError(string condition, string text) =>
        new XElement(Ns.Streams + "error",
            new XAttribute(XNamespace.Xmlns + "stream", Ns.Streams.NamespaceName),
            new XElement(Ns.StreamErrors + condition),
            new XElement(Ns.StreamErrors + "text", text)).ToString(SaveOptions.DisableFormatting);

    private static string SecurityElement(string text) => System.Security.SecurityElement.Escape(text);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Component {Domain} authenticated")]
    private static partial void LogAuthenticated(ILogger logger, string domain);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Component {Domain}: the server closed the stream")]
    private static partial void LogPeerClosed(ILogger logger, string domain);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Component {Domain}: closing the stream with {Condition}")]
    private static partial void LogStreamError(ILogger logger, string domain, string condition);
}

/// <summary>Timings and limits of one session.</summary>
public sealed record ComponentSessionOptions
{
    public StreamLimits Limits { get; init; } = StreamLimits.Default;
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public int InboundQueue { get; init; } = 256;
}
