using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// A small real XMPP client for the tests: c2s over TCP on loopback, in-band registration, SASL PLAIN,
/// resource binding. Inbound stanzas are read with the component's own reader (so they arrive in
/// <see cref="Ns.Component"/>); outbound ones are written as jabber:client text.
/// </summary>
public sealed class XmppTestClient : IAsyncDisposable
{
    private static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    private static readonly XNamespace Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    private static readonly XNamespace Register = "jabber:iq:register";

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly Channel<XElement> _inbound = Channel.CreateUnbounded<XElement>();
    private readonly List<XElement> _unclaimed = [];
    private readonly CancellationTokenSource _stop = new();
    private XmlStanzaReader? _reader;
    private Task _readLoop = Task.CompletedTask;
    private int _nextId;

    private XmppTestClient(TcpClient tcp, string domain)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Domain = domain;
    }

    public string Domain { get; }
    public string? Jid { get; private set; }

    /// <summary>Connects; <paramref name="from"/> picks the loopback source address (e.g. 127.0.0.2).</summary>
    public static async Task<XmppTestClient> ConnectAsync(int port, string domain = ProsodyServer.ServerDomain, string? from = null)
    {
        var tcp = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0));
        tcp.NoDelay = true;
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new XmppTestClient(tcp, domain);
        await client.OpenStreamAsync();
        return client;
    }

    /// <summary>Connects, logs in, binds a resource and sends initial presence (so messages to the bare JID arrive).</summary>
    public static async Task<XmppTestClient> LoginAsync(int port, string user, string password, string resource = "test")
    {
        var client = await ConnectAsync(port);
        await client.AuthenticateAsync(user, password, resource);
        await client.SendAsync("<presence/>");
        return client;
    }

    /// <summary>In-band registration (XEP-0077) on this not yet authenticated stream.</summary>
    public async Task<XElement> RegisterAsync(string user, string password) =>
        await IqAsync($"<iq type='set' to='{Domain}'><query xmlns='jabber:iq:register'><username>{Esc(user)}</username><password>{Esc(password)}</password></query></iq>");

    public async Task AuthenticateAsync(string user, string password, string resource)
    {
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await SendAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>");
        var outcome = await WaitForAsync(e => e.Name.Namespace == Sasl);
        if (outcome.Name.LocalName != "success") throw new InvalidOperationException("SASL failed: " + outcome);
        await RestartStreamAsync();
        var bound = await IqAsync($"<iq type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>{Esc(resource)}</resource></bind></iq>");
        Jid = bound.Element(Ns.Component + "bind")?.Element(Ns.Component + "jid")?.Value
            ?? bound.Descendants(Bind + "jid").FirstOrDefault()?.Value
            ?? throw new InvalidOperationException("No JID bound: " + bound);
    }

    public async Task SendAsync(string xml)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(xml));
        await _stream.FlushAsync();
    }

    /// <summary>Sends an IQ (an id is added when missing) and returns the result or error answering it.</summary>
    public async Task<XElement> IqAsync(string xml, TimeSpan? timeout = null)
    {
        var iq = XElement.Parse(xml);
        var id = (string?)iq.Attribute("id") ?? $"t{Interlocked.Increment(ref _nextId)}";
        iq.SetAttributeValue("id", id);
        await SendAsync(iq.ToString(SaveOptions.DisableFormatting));
        return await WaitForAsync(e => e.Name == Ns.Component + "iq" && (string?)e.Attribute("id") == id
            && (string?)e.Attribute("type") is "result" or "error", timeout);
    }

    /// <summary>The next inbound stanza matching <paramref name="match"/>; others are kept for later waits.</summary>
    public async Task<XElement> WaitForAsync(Func<XElement, bool> match, TimeSpan? timeout = null)
    {
        lock (_unclaimed)
        {
            var kept = _unclaimed.FirstOrDefault(match);
            if (kept is not null)
            {
                _unclaimed.Remove(kept);
                return kept;
            }
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var next = await _inbound.Reader.ReadAsync(cts.Token);
                if (match(next)) return next;
                lock (_unclaimed) _unclaimed.Add(next);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching stanza arrived in time.");
        }
    }

    private async Task OpenStreamAsync()
    {
        await SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{Domain}' version='1.0'>");
        _reader?.Dispose();
        _reader = new XmlStanzaReader(_stream);
        await _reader.ReadHeaderAsync(_stop.Token);
        var features = await _reader.ReadStanzaAsync(_stop.Token);
        if (features?.Name != Ns.Streams + "features") throw new InvalidOperationException("Expected stream features, got " + features);
        var reader = _reader;
        _readLoop = Task.Run(() => ReadLoopAsync(reader));
    }

    private async Task RestartStreamAsync()
    {
        // After <success/> the server sends nothing until our new header, so the old reader holds no data.
        await _readLoop.WaitAsync(TimeSpan.FromSeconds(10));
        await OpenStreamAsync();
    }

    private async Task ReadLoopAsync(XmlStanzaReader reader)
    {
        try
        {
            while (await reader.ReadStanzaAsync(_stop.Token) is { } stanza)
            {
                await _inbound.Writer.WriteAsync(stanza);
                // The SASL outcome ends this stream: stop reading so the restart finds the socket untouched.
                if (stanza.Name == Sasl + "success") return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or StreamErrorException or ObjectDisposedException)
        {
        }
    }

    private static string Esc(string text) => SecurityElement.Escape(text);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("</stream:stream>");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        await _stop.CancelAsync();
        _tcp.Dispose();
        await _readLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
