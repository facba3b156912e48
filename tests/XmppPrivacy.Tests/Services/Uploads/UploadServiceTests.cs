using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Services.Uploads;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Uploads;

/// <summary>Slot requests through the real router: who may ask, what a slot looks like, and the two services.</summary>
public sealed class UploadServiceTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
    private readonly UploadOptions _options;
    private readonly UploadServices _services;
    private Router _router = null!;

    public UploadServiceTests()
    {
        _options = new UploadOptions
        {
            StoragePath = _directory.File("uploads"), Services = "clipboard.localhost=24h", MaxFileSize = 1000,
            PublicBaseUrl = "https://files.example.org/share/",
        };
        _services = new UploadServices(_options, new DomainsOptions(), new HttpOptions());
    }

    public async Task InitializeAsync()
    {
        var database = new SqliteDatabase(_directory.File("uploads.db"), Catalogue.Schemas);
        await database.MigrateAsync(CancellationToken.None);
        var files = new UploadFiles(_options);
        var domains = new Domains(new ComponentOptions(), new DomainsOptions(), [_services]);
        var service = new UploadService(domains, _services, _options, new UploadStore(database, files), files, new Metrics(), _time, new TestLog().For<UploadService>());
        _router = new Router(domains.Services, [new CoreService(), service], new IqTracker(), new TestLog().For<Router>(), "localhost");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _directory.Dispose();

    private async Task<XElement> AskAsync(string from, string to = "upload.localhost", string size = "10")
    {
        var outbound = new RecordingOutbound(to);
        await _router.RouteAsync(XElement.Parse($"<iq xmlns='jabber:component:accept' type='get' id='s1' from='{from}' to='{to}'>"
            + $"<request xmlns='urn:xmpp:http:upload:0' filename='a.txt' size='{size}' content-type='text/plain'/></iq>"), outbound, CancellationToken.None);
        return Assert.Single(outbound.Sent);
    }

    [Fact]
    public void The_clipboard_is_a_domain_of_its_own_beside_the_configured_ones()
    {
        var domains = new Domains(new ComponentOptions(), new DomainsOptions(), [_services]);

        Assert.Equal(["privacy.localhost", "upload.localhost", "rooms.localhost", "clipboard.localhost"], domains.Services);
        Assert.Equal(TimeSpan.FromHours(24), _services.Find("clipboard.localhost")!.ExpiresAfter);
        Assert.Equal(TimeSpan.FromDays(30), _services.Find("upload.localhost")!.ExpiresAfter);
    }

    [Theory]
    [InlineData("mallory@evil.example/pc")]
    [InlineData("localhost")]
    [InlineData("privacy.localhost")]
    public async Task Anyone_but_an_account_of_our_server_is_not_allowed(string from)
    {
        var reply = await AskAsync(from);

        StanzaAssert.Error(reply, "s1", "cancel", "not-allowed");
    }

    [Theory]
    [InlineData("upload.localhost")]
    [InlineData("clipboard.localhost")]
    public async Task A_slot_has_an_opaque_URL_under_the_public_base_and_a_bearer_secret_for_the_PUT(string domain)
    {
        var reply = await AskAsync("alice@localhost/phone", domain);

        var slot = reply.Element(UploadErrors.Ns + "slot")!;
        var get = (string)slot.Element(UploadErrors.Ns + "get")!.Attribute("url")!;
        Assert.Matches("^https://files\\.example\\.org/share/[A-Za-z0-9_-]{22}$", get);
        var header = slot.Element(UploadErrors.Ns + "put")!.Element(UploadErrors.Ns + "header")!;
        Assert.Equal("Authorization", (string?)header.Attribute("name"));
        Assert.Matches("^Bearer [A-Za-z0-9_-]{44}$", header.Value);
    }

    [Theory]
    [InlineData(30 * 24 * 3600, "30 days")]
    [InlineData(24 * 3600, "24 hours")]
    [InlineData(3600, "1 hour")]
    [InlineData(90, "90 seconds")]
    public void Retention_is_named_as_people_say_it(int seconds, string text) => Assert.Equal(text, UploadService.Human(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void The_file_name_is_in_the_URL_only_when_the_operator_asks_and_then_percent_encoded()
    {
        var files = new UploadFiles(_options);
        UploadService With(bool name) => new(new Domains("localhost", "privacy.localhost"), _services, _options with { FileNameInUrl = name },
            new UploadStore(null!, files), files, new Metrics(), _time, new TestLog().For<UploadService>());

        Assert.Equal("https://files.example.org/share/AAAAAAAAAAAAAAAAAAAAAA", With(false).Url("AAAAAAAAAAAAAAAAAAAAAA", "a b/ü.txt"));
        Assert.Equal("https://files.example.org/share/AAAAAAAAAAAAAAAAAAAAAA/a%20b%2F%C3%BC.txt", With(true).Url("AAAAAAAAAAAAAAAAAAAAAA", "a b/ü.txt"));
    }
}
