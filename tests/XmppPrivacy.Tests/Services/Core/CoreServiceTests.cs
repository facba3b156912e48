using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Core;

public sealed class CoreServiceTests
{
    private static async Task<IReadOnlyList<(string?, string?, string?)>> IdentitiesAsync(Router router, string domain)
    {
        var outbound = new RecordingOutbound(domain);
        await router.RouteAsync(Stanza.Iq("get", "alice@localhost/phone", domain, "d1", new XElement(Ns.DiscoInfo + "query")), outbound,
            CancellationToken.None);
        await router.IdleAsync();
        return Assert.Single(outbound.Sent).Element(Ns.DiscoInfo + "query")!.Elements(Ns.DiscoInfo + "identity")
            .Select(i => ((string?)i.Attribute("category"), (string?)i.Attribute("type"), (string?)i.Attribute("name"))).ToList();
    }

    [Fact]
    public async Task The_privacy_domain_calls_itself_the_privacy_service_in_disco()
    {
        var router = new Router(["privacy.localhost", "upload.localhost"], [new CoreService("privacy.localhost")], new IqTracker(),
            new TestLog().For<Router>());

        Assert.Equal([("component", "generic", "Privacy service")], await IdentitiesAsync(router, "privacy.localhost"));
        Assert.Equal([("component", "generic", "XmppPrivacy")], await IdentitiesAsync(router, "upload.localhost"));
    }

    [Fact]
    public async Task A_domain_whose_service_says_what_it_is_shows_only_that_identity_and_the_privacy_domain_keeps_its_own()
    {
        var router = new Router(["privacy.localhost", "upload.localhost"],
            [new CoreService("privacy.localhost"), new Named("upload.localhost", "store", "file"), new Named("privacy.localhost", "automation", "x")],
            new IqTracker(), new TestLog().For<Router>());

        Assert.Equal([("store", "file", "Named")], await IdentitiesAsync(router, "upload.localhost"));
        Assert.Equal([("component", "generic", "Privacy service"), ("automation", "x", "Named")], await IdentitiesAsync(router, "privacy.localhost"));
    }

    private sealed class Named(string domain, string category, string type) : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => [domain];

        public void Declare(ServiceBuilder service) => service.Identity(category, type, "Named");
    }

    [Fact]
    public async Task The_privacy_domain_is_recognised_whatever_the_case_it_is_configured_in()
    {
        var router = new Router(["privacy.example"], [new CoreService("Privacy.Example")], new IqTracker(), new TestLog().For<Router>());

        Assert.Equal([("component", "generic", "Privacy service")], await IdentitiesAsync(router, "privacy.example"));
    }
}
