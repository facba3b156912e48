using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The component against a real ejabberd 23.01 (Debian package), each test with its own private instance.</summary>
[Collection(RealServers.Name)]
public sealed class EjabberdTests
{
    [Fact]
    public async Task Component_authenticates_every_domain_with_a_real_ejabberd_and_health_says_ok()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd);

        await component.WaitForAllConnectedAsync();

        var health = await component.HealthAsync();
        var domains = health.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("domain").GetString()).ToList();
        Assert.Equal(["clipboard.localhost", EjabberdServer.PrivacyDomain, EjabberdServer.RoomsDomain, EjabberdServer.UploadDomain], domains);
        foreach (var domain in domains)
            await ejabberd.WaitForLogAsync($"Accepted external component handshake authentication for {domain} from 127.0.0.1");
        Assert.DoesNotContain("Failed external component handshake authentication", ejabberd.Log());
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_real_client_on_ejabberd_gets_disco_ping_and_version_from_the_component_domains()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd);
        await component.WaitForAllConnectedAsync();
        await ejabberd.RegisterAsync("alice", "alice-secret");
        await using var alice = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "alice", "alice-secret");
        Assert.Equal("alice@localhost/test", alice.Jid);

        await ComponentChecks.AssertDomainsAnswerAsync(alice);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task After_ejabberd_restarts_the_component_reconnects_and_answers_again()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd);
        await component.WaitForAllConnectedAsync();
        await ejabberd.RegisterAsync("bob", "bob-secret");

        // ejabberd ends component streams with <system-shutdown/> on SIGTERM; accounts survive in the spool.
        await ejabberd.RestartAsync();
        await component.WaitForAllConnectedAsync();

        await using var bob = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "bob", "bob-secret");
        var pong = await bob.IqAsync($"<iq type='get' to='{EjabberdServer.PrivacyDomain}'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)pong.Attribute("type"));
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Ejabberd_sends_a_registration_notice_to_the_watcher_component()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        // No component under test: a raw XEP-0114 link on the privacy domain records what ejabberd sends it.
        await using var watcher = await RawComponent.ConnectAsync(ejabberd.ComponentPort, EjabberdServer.PrivacyDomain, ejabberd.Secret);

        // Two registrations from one address: registration_timeout is infinity, ejabberd's default would refuse the second.
        foreach (var user in new[] { "carol", "dave" })
        {
            await using var client = await XmppTestClient.ConnectAsync(ejabberd.C2sPort);
            var result = await client.RegisterAsync(user, $"{user}-secret");
            Assert.Equal("result", (string?)result.Attribute("type"));

            // ejabberd also sends the privacy domain its delegation and privilege advertisements (messages without a body).
            var notice = await watcher.NextAsync(e => e.Name == Ns.Component + "message" && e.Element(Ns.Component + "body") is not null);
            Assert.Equal(EjabberdServer.ServerDomain, (string?)notice.Attribute("from"));
            Assert.Equal(EjabberdServer.PrivacyDomain, (string?)notice.Attribute("to"));
            Assert.Equal("chat", (string?)notice.Attribute("type"));
            var body = notice.Element(Ns.Component + "body")!;
            Assert.Equal("en", (string?)body.Attribute(XNamespace.Xml + "lang"));
            Assert.Matches(
                $@"^\[\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\] The account {user}@localhost was registered from IP address 127\.0\.0\.1 on node {Regex.Escape(ejabberd.Node)} using mod_register\.$",
                body.Value);
        }

        var (code, users) = await ejabberd.EjabberdctlAsync("registered_users", EjabberdServer.ServerDomain);
        Assert.Equal(0, code);
        Assert.Equal(["carol", "dave"], users.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    [Fact]
    public async Task An_ejabberd_registration_reaches_the_admin_anonymised()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd, new Dictionary<string, string?> { ["Notices:Admins"] = "admin@localhost" });
        await component.WaitForAllConnectedAsync();
        await ejabberd.RegisterAsync("admin", "admin-secret");
        await using var admin = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "admin", "admin-secret");

        // The registrant comes from 127.0.0.2: ejabberd's watcher notice names that address, the admin's must not.
        await using (var client = await XmppTestClient.ConnectAsync(ejabberd.C2sPort, from: "127.0.0.2"))
            Assert.Equal("result", (string?)(await client.RegisterAsync("bob", "bob-secret")).Attribute("type"));

        var message = await admin.WaitForAsync(e => e.Name == Ns.Component + "message" && e.Element(Ns.Component + "body") is not null);
        Assert.Equal(EjabberdServer.PrivacyDomain, (string?)message.Attribute("from"));
        Assert.Equal("User bob just registered on localhost from 127.0.0.1", message.Element(Ns.Component + "body")!.Value);
        Assert.Equal(1, await component.MetricAsync("xmppprivacy_watcher_notices_total"));
        NoticesTests.AssertAddressNowhere(component);
    }

    /// <summary>A bare XEP-0114 component: header, handshake (hex SHA-1 of stream id + secret), then inbound stanzas.</summary>
    private sealed class RawComponent : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly XmlStanzaReader _reader;
        private readonly CancellationTokenSource _stop = new();

        private RawComponent(TcpClient tcp, XmlStanzaReader reader)
        {
            _tcp = tcp;
            _reader = reader;
        }

        public static async Task<RawComponent> ConnectAsync(int port, string domain, string secret)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync("127.0.0.1", port);
            var stream = tcp.GetStream();
            var component = new RawComponent(tcp, new XmlStanzaReader(stream));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await component.SendAsync($"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}'>");
            var header = await component._reader.ReadHeaderAsync(timeout.Token);
            var token = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(header.Id + secret)));
            await component.SendAsync($"<handshake>{token}</handshake>");
            var answer = await component._reader.ReadStanzaAsync(timeout.Token);
            if (answer?.Name != Ns.Component + "handshake") throw new InvalidOperationException("Handshake refused: " + answer);
            return component;
        }

        private async Task SendAsync(string xml)
        {
            await _tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes(xml));
        }

        /// <summary>The next inbound element matching <paramref name="match"/>; others are skipped.</summary>
        public async Task<XElement> NextAsync(Func<XElement, bool> match, TimeSpan? timeout = null)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
            try
            {
                while (true)
                {
                    var next = await _reader.ReadStanzaAsync(cts.Token) ?? throw new EndOfStreamException("ejabberd closed the component stream.");
                    if (match(next)) return next;
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No matching stanza arrived on the component link in time.");
            }
        }

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
            _reader.Dispose();
            _tcp.Dispose();
        }
    }
}
