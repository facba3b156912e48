using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

public sealed class RouterTests
{
    private static readonly XNamespace Example = "urn:example:feature";
    private const string Node = "urn:xmpp:delegation:2::urn:xmpp:mam:2";

    private static Router Build(params IComponentService[] services) =>
        new(["privacy.localhost", "upload.localhost"], services, new IqTracker(), new TestLog().For<Router>());

    private static async Task<XElement> RouteAsync(Router router, string stanza, string domain = "privacy.localhost")
    {
        var outbound = new RecordingOutbound(domain);
        await router.RouteAsync(XElement.Parse(stanza), outbound, CancellationToken.None);
        await router.IdleAsync();
        return Assert.Single(outbound.Sent);
    }

    private static XElement Iq(string type, string id, string to, object payload) =>
        Stanza.Iq(type, "alice@localhost/phone", to, id, payload);

    [Fact]
    public async Task Disco_info_is_built_from_the_declarations_of_every_service_on_the_domain()
    {
        var router = Build(new CoreService(), new DeclaringService());

        var answer = await RouteAsync(router, Iq("get", "d1", "privacy.localhost", new XElement(Ns.DiscoInfo + "query")).ToString());

        var query = answer.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal(
            [("store", "file", "Example")], // the generic identity only stands in for a domain whose services name none
            query.Elements(Ns.DiscoInfo + "identity").Select(i => ((string?)i.Attribute("category"), (string?)i.Attribute("type"), (string?)i.Attribute("name"))));
        Assert.Equal(
            ["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items", "jabber:iq:version", "urn:example:feature", "urn:xmpp:ping"],
            query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
    }

    [Fact]
    public async Task A_service_limited_to_one_domain_is_not_declared_on_the_others()
    {
        var router = Build(new CoreService(), new DeclaringService());

        var answer = await RouteAsync(router, Iq("get", "d2", "upload.localhost", new XElement(Ns.DiscoInfo + "query")).ToString(), "upload.localhost");
        var routed = await RouteAsync(router, Iq("get", "x1", "upload.localhost", new XElement(Example + "query")).ToString(), "upload.localhost");

        var features = answer.Element(Ns.DiscoInfo + "query")!.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var"));
        Assert.DoesNotContain("urn:example:feature", features);
        Assert.Single(answer.Element(Ns.DiscoInfo + "query")!.Elements(Ns.DiscoInfo + "identity"));
        Assert.NotNull(routed.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "service-unavailable"));
    }

    [Fact]
    public async Task Disco_info_on_a_declared_node_lists_that_nodes_features_only()
    {
        var router = Build(new CoreService(), new DeclaringService());

        var answer = await RouteAsync(router, Iq("get", "n1", "privacy.localhost", new XElement(Ns.DiscoInfo + "query", new XAttribute("node", Node))).ToString());

        var query = answer.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal(Node, (string?)query.Attribute("node"));
        Assert.Empty(query.Elements(Ns.DiscoInfo + "identity"));
        Assert.Equal(["urn:xmpp:mam:2"], query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
    }

    [Fact]
    public async Task Disco_info_on_an_unknown_node_is_item_not_found()
    {
        var router = Build(new CoreService());

        var answer = await RouteAsync(router, Iq("get", "n2", "privacy.localhost", new XElement(Ns.DiscoInfo + "query", new XAttribute("node", "nope"))).ToString());

        Assert.NotNull(answer.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "item-not-found"));
    }

    [Fact]
    public async Task An_iq_is_routed_by_type_and_payload_name_and_namespace()
    {
        var service = new DeclaringService();
        var router = Build(service);

        var get = await RouteAsync(router, Iq("get", "g1", "privacy.localhost", new XElement(Example + "query")).ToString());
        var set = await RouteAsync(router, Iq("set", "s1", "privacy.localhost", new XElement(Example + "query")).ToString());
        var otherNamespace = await RouteAsync(router, Iq("get", "g2", "privacy.localhost", new XElement((XNamespace)"urn:example:other" + "query")).ToString());

        Assert.Equal("result", get.Type());
        Assert.Equal("get", get.Element(Example + "answer")?.Value);
        Assert.Equal("error", set.Type());
        Assert.NotNull(set.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "service-unavailable"));
        Assert.Equal("error", otherNamespace.Type());
        Assert.Equal("alice@localhost/phone", service.LastFrom?.ToString());
    }

    [Fact]
    public async Task A_handler_returning_a_stanza_error_is_answered_with_it()
    {
        var router = Build(new DeclaringService());

        var answer = await RouteAsync(router, Iq("get", "f1", "privacy.localhost", new XElement(Example + "refuse")).ToString());

        var error = answer.Element(Ns.Component + "error")!;
        Assert.Equal("auth", (string?)error.Attribute("type"));
        Assert.NotNull(error.Element(Ns.Stanzas + "forbidden"));
        Assert.Equal("Not yours.", error.Element(Ns.Stanzas + "text")?.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task An_iq_get_without_exactly_one_payload_is_bad_request(int payloads)
    {
        var router = Build(new CoreService());
        var iq = Stanza.Iq("get", "alice@localhost/phone", "privacy.localhost", "b1",
            Enumerable.Range(0, payloads).Select(_ => new XElement(Ns.Ping + "ping")).ToArray());

        var answer = await RouteAsync(router, iq.ToString());

        Assert.Equal("error", answer.Type());
        var error = answer.Element(Ns.Component + "error")!;
        Assert.Equal("modify", (string?)error.Attribute("type"));
        Assert.NotNull(error.Element(Ns.Stanzas + "bad-request"));
    }

    [Fact]
    public async Task An_iq_of_an_unknown_type_is_bad_request()
    {
        var router = Build(new CoreService());

        var answer = await RouteAsync(router, "<iq xmlns='jabber:component:accept' type='fetch' id='t1' from='localhost' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.NotNull(answer.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "bad-request"));
    }

    [Theory]
    [InlineData("<iq xmlns='jabber:component:accept' type='get' id='a1' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")]
    [InlineData("<iq xmlns='jabber:component:accept' type='get' id='a2' from='a@b@c' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")]
    [InlineData("<iq xmlns='jabber:component:accept' type='get' id='a3' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")]
    [InlineData("<message xmlns='jabber:component:accept' from='localhost/' to='privacy.localhost'><body/></message>")]
    public async Task A_stanza_without_valid_addresses_is_dropped(string stanza)
    {
        var router = Build(new CoreService());
        var outbound = new RecordingOutbound();

        await router.RouteAsync(XElement.Parse(stanza), outbound, CancellationToken.None);

        Assert.Empty(outbound.Sent);
    }

    [Fact]
    public async Task A_stanza_on_a_connection_of_an_unknown_domain_is_dropped()
    {
        var router = Build(new CoreService());
        var outbound = new RecordingOutbound("rooms.localhost");

        await router.RouteAsync(Iq("get", "x", "rooms.localhost", new XElement(Ns.Ping + "ping")), outbound, CancellationToken.None);

        Assert.Empty(outbound.Sent);
    }

    [Fact]
    public async Task A_stanza_for_one_domain_arriving_on_another_domains_connection_is_handled_by_the_addressed_domain()
    {
        // ejabberd registers every host of a service listener for each of its connections.
        var router = Build(new CoreService(), new DeclaringService());

        var answer = await RouteAsync(router, Iq("get", "x2", "privacy.localhost", new XElement(Example + "query")).ToString(), "upload.localhost");

        Assert.Equal("result", answer.Type());
        Assert.Equal("privacy.localhost", answer.FromText());
        Assert.NotNull(answer.Element(Example + "answer"));
    }

    [Fact]
    public async Task Disco_items_on_a_node_list_what_the_service_gives_that_asker_and_unknown_nodes_are_item_not_found()
    {
        var router = Build(new CoreService(), new ItemsService());

        var alice = await RouteAsync(router, Iq("get", "i1", "privacy.localhost", new XElement(Ns.DiscoItems + "query", new XAttribute("node", "things"))).ToString());
        var other = await RouteAsync(router, Stanza.Iq("get", "bob@localhost/pc", "privacy.localhost", "i2", new XElement(Ns.DiscoItems + "query", new XAttribute("node", "things"))).ToString());
        var unknown = await RouteAsync(router, Iq("get", "i3", "privacy.localhost", new XElement(Ns.DiscoItems + "query", new XAttribute("node", "nothing"))).ToString());

        Assert.Equal(["for alice"], alice.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("name")));
        Assert.Empty(other.Descendants(Ns.DiscoItems + "item"));
        Assert.NotNull(unknown.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "item-not-found"));
    }

    private static readonly XNamespace Mam = "urn:xmpp:mam:2";

    private static Router BuildDelegating() =>
        new(["privacy.localhost"], [new CoreService(), new DelegatedService()], new IqTracker(), new TestLog().For<Router>(), "localhost");

    private static string Delegated(string innerFrom, string? innerTo, string payload, string outerFrom = "localhost") =>
        $"<iq xmlns='jabber:component:accept' type='set' id='outer1' from='{outerFrom}' to='privacy.localhost'>" +
        "<delegation xmlns='urn:xmpp:delegation:2'><forwarded xmlns='urn:xmpp:forward:0'>" +
        $"<iq xmlns='jabber:client' type='get' id='inner1' from='{innerFrom}'{(innerTo is null ? "" : $" to='{innerTo}'")}>{payload}</iq>" +
        "</forwarded></delegation></iq>";

    private static XElement Inner(XElement outer)
    {
        Assert.Equal("result", outer.Type());
        Assert.Equal("outer1", outer.Id());
        return outer.Element(Ns.Delegation2 + "delegation")!.Element(Ns.Forward + "forwarded")!.Element(Ns.Client + "iq")!;
    }

    [Fact]
    public async Task A_delegated_iq_reaches_its_handler_as_the_user_and_the_answer_is_wrapped_from_their_bare_jid()
    {
        var inner = Inner(await RouteAsync(BuildDelegating(), Delegated("alice@localhost/phone", null, "<metadata xmlns='urn:xmpp:mam:2'/>")));

        Assert.Equal("result", (string?)inner.Attribute("type"));
        Assert.Equal("inner1", (string?)inner.Attribute("id"));
        Assert.Equal("alice@localhost/phone", (string?)inner.Attribute("to"));
        Assert.Equal("alice@localhost", (string?)inner.Attribute("from"));
        Assert.Equal("alice@localhost/phone|alice@localhost", inner.Element(Mam + "metadata")!.Value);
    }

    [Theory]
    [InlineData("alice@localhost/phone", "bob@localhost", "forbidden")]
    [InlineData("mallory@elsewhere.example/pc", null, "forbidden")]
    [InlineData("alice@localhost/phone", null, "service-unavailable", "<unknown xmlns='urn:example:x'/>")]
    public async Task Errors_of_delegated_iqs_go_back_as_an_outer_result_wrapping_an_inner_error(string from, string? to, string condition, string payload = "<metadata xmlns='urn:xmpp:mam:2'/>")
    {
        var inner = Inner(await RouteAsync(BuildDelegating(), Delegated(from, to, payload)));

        Assert.Equal("error", (string?)inner.Attribute("type"));
        Assert.NotNull(inner.Element(Ns.Client + "error")?.Element(Ns.Stanzas + condition));
    }

    [Fact]
    public async Task A_delegation_from_anyone_but_the_server_is_refused()
    {
        var answer = await RouteAsync(BuildDelegating(), Delegated("alice@localhost/phone", null, "<metadata xmlns='urn:xmpp:mam:2'/>", outerFrom: "alice@localhost/phone"));

        Assert.Equal("error", answer.Type());
        Assert.NotNull(answer.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "forbidden"));
    }

    [Fact]
    public async Task The_nesting_nodes_of_a_delegated_namespace_are_answered_from_the_declarations()
    {
        var answer = await RouteAsync(BuildDelegating(), Stanza.Iq("get", "localhost", "privacy.localhost", "n1",
            new XElement(Ns.DiscoInfo + "query", new XAttribute("node", "urn:xmpp:delegation:2:bare:urn:xmpp:mam:2"))).ToString());

        Assert.Equal(["urn:xmpp:mam:2", "urn:xmpp:mam:2#extended"], answer.Descendants(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
    }

    [Fact]
    public async Task A_slow_delegated_iq_of_one_user_does_not_delay_another_users_nor_the_stanzas_behind_it()
    {
        var slow = new SlowService();
        var router = new Router(["privacy.localhost"], [new CoreService(), slow], new IqTracker(), new TestLog().For<Router>(), "localhost");
        var outbound = new RecordingOutbound();

        await router.RouteAsync(XElement.Parse(Delegated("alice@localhost/phone", null, "<metadata xmlns='urn:xmpp:mam:2'/>")), outbound, CancellationToken.None);
        await slow.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await router.RouteAsync(XElement.Parse(Delegated("bob@localhost/pc", null, "<metadata xmlns='urn:xmpp:mam:2'/>")), outbound, CancellationToken.None);
        await router.RouteAsync(Iq("get", "ping1", "privacy.localhost", new XElement(Ns.Ping + "ping")), outbound, CancellationToken.None);
        await WaitForAsync(() => outbound.Sent.Count == 2);

        Assert.Equal("ping1", outbound.Sent.Single(s => s.Attribute("to")?.Value == "alice@localhost/phone").Id());
        Assert.Equal("bob@localhost", Inner(outbound.Sent.Single(s => s.Id() == "outer1" )).Attribute("from")?.Value);
        slow.Release.SetResult();
        await router.IdleAsync();
        Assert.Equal(3, outbound.Sent.Count);
        Assert.Equal("alice@localhost", (string?)Inner(outbound.Sent[2]).Attribute("from"));
    }

    [Fact]
    public async Task A_hundred_concurrent_delegated_iqs_of_one_user_get_resource_constraint_beyond_the_limit_and_others_are_answered()
    {
        var slow = new SlowService();
        var router = new Router(["privacy.localhost"], [new CoreService(), slow], new IqTracker(), new TestLog().For<Router>(), "localhost",
            new RequestLimits(perUser: 4, total: 64));
        var outbound = new RecordingOutbound();

        for (var i = 0; i < 100; i++)
            await router.RouteAsync(XElement.Parse(Delegated($"alice@localhost/r{i}", null, "<metadata xmlns='urn:xmpp:mam:2'/>")), outbound, CancellationToken.None);
        await router.RouteAsync(XElement.Parse(Delegated("bob@localhost/pc", null, "<metadata xmlns='urn:xmpp:mam:2'/>")), outbound, CancellationToken.None);
        await WaitForAsync(() => outbound.Sent.Count == 97);

        var refused = outbound.Sent.Select(Inner).Where(i => (string?)i.Attribute("type") == "error").ToList();
        Assert.Equal(96, refused.Count);
        Assert.All(refused, r => Assert.Equal("wait", (string?)r.Element(Ns.Client + "error")?.Attribute("type")));
        Assert.All(refused, r => Assert.NotNull(r.Element(Ns.Client + "error")?.Element(Ns.Stanzas + "resource-constraint")));
        Assert.Equal("bob@localhost", (string?)outbound.Sent.Select(Inner).Single(i => (string?)i.Attribute("type") == "result").Attribute("from"));
        slow.Release.SetResult();
        await router.IdleAsync();
        Assert.Equal(101, outbound.Sent.Count);
        Assert.Equal(5, outbound.Sent.Select(Inner).Count(i => (string?)i.Attribute("type") == "result"));
    }

    [Fact]
    public async Task A_full_disk_is_answered_resource_constraint_of_type_wait_and_other_failures_internal_server_error_without_detail()
    {
        var router = new Router(["privacy.localhost"], [new CoreService(), new FailingStore()], new IqTracker(), new TestLog().For<Router>(), "localhost");

        var full = await RouteAsync(router, Iq("set", "f1", "privacy.localhost", new XElement(Example + "full")).ToString());
        var broken = await RouteAsync(router, Iq("set", "f2", "privacy.localhost", new XElement(Example + "broken")).ToString());
        var delegated = Inner(await RouteAsync(router, Delegated("alice@localhost/phone", null, "<metadata xmlns='urn:xmpp:mam:2'/>")));

        Assert.Equal("wait", (string?)full.Element(Ns.Component + "error")?.Attribute("type"));
        Assert.NotNull(full.Descendants(Ns.Stanzas + "resource-constraint").SingleOrDefault());
        Assert.NotNull(broken.Descendants(Ns.Stanzas + "internal-server-error").SingleOrDefault());
        Assert.DoesNotContain("secret", broken.ToString(), StringComparison.Ordinal);
        Assert.NotNull(delegated.Descendants(Ns.Stanzas + "resource-constraint").SingleOrDefault());
    }

    /// <summary>Fails like a store on a full disk (SQLITE_FULL), or with any other exception.</summary>
    private sealed class FailingStore : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) => service
            .Iq("set", Example + "full", (_, _) => throw new Microsoft.Data.Sqlite.SqliteException("database or disk is full", 13))
            .Iq("set", Example + "broken", (_, _) => throw new InvalidOperationException("secret detail"))
            .DelegatedIq("get", Mam + "metadata", (_, _) => throw new Microsoft.Data.Sqlite.SqliteException("database or disk is full", 13));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true in time.");
            await Task.Delay(10);
        }
    }

    private sealed class DelegatedService : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) => service
            .DelegatedIq("get", Mam + "metadata", (request, _) =>
                ValueTask.FromResult(IqReply.Ok(new XElement(Mam + "metadata", $"{request.From}|{request.To}"))))
            .DelegatedFeature(Mam.NamespaceName, Mam.NamespaceName + "#extended");
    }

    /// <summary>Alice's delegated IQs wait until released; everyone else's are answered at once.</summary>
    private sealed class SlowService : IComponentService
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) => service.DelegatedIq("get", Mam + "metadata", async (request, _) =>
        {
            if (request.From.Local == "alice")
            {
                Entered.TrySetResult();
                await Release.Task;
            }
            return IqReply.Ok(new XElement(Mam + "metadata"));
        });
    }

    private sealed class ItemsService : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => ["privacy.localhost"];

        public void Declare(ServiceBuilder service) => service.Items("things", asker => asker.Local == "alice"
            ? [new XElement(Ns.DiscoItems + "item", new XAttribute("jid", "privacy.localhost"), new XAttribute("name", "for alice"))]
            : []);
    }

    [Fact]
    public void Two_services_routing_the_same_iq_are_refused_when_the_router_is_built()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Build(new CoreService(), new PingAgainService()));

        Assert.Contains("urn:xmpp:ping", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_instances_of_one_service_on_one_domain_are_refused_when_the_router_is_built()
    {
        Assert.Throws<InvalidOperationException>(() => Build(new DeclaringService(), new DeclaringService()));
    }

    [Fact]
    public void One_service_routing_the_same_iq_twice_is_refused()
    {
        var builder = new ServiceBuilder("privacy.localhost");
        builder.Iq("get", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty));

        Assert.Throws<InvalidOperationException>(() => builder.Iq("get", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty)));
        Assert.Throws<ArgumentException>(() => builder.Iq("result", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty)));
    }

    [Fact]
    public async Task Connected_handlers_run_for_their_domain_and_a_failing_one_does_not_stop_the_others()
    {
        var service = new DeclaringService();
        var router = Build(new FailingOnConnect(), service);

        await router.OnConnectedAsync(new RecordingOutbound("privacy.localhost"), CancellationToken.None);
        await router.OnConnectedAsync(new RecordingOutbound("upload.localhost"), CancellationToken.None);

        Assert.Equal(["privacy.localhost"], service.Connected);
    }

    private sealed class DeclaringService : IComponentService
    {
        public List<string> Connected { get; } = [];
        public Jid? LastFrom { get; private set; }

        public IReadOnlyCollection<string>? Domains => ["privacy.localhost"];

        public void Declare(ServiceBuilder service) => service
            .Identity("store", "file", "Example")
            .Feature(Example.NamespaceName)
            .NodeFeature(Node, "urn:xmpp:mam:2")
            .Iq("get", Example + "query", (request, _) =>
            {
                LastFrom = request.From;
                return ValueTask.FromResult(IqReply.Ok(new XElement(Example + "answer", request.Stanza.Type())));
            })
            .Iq("get", Example + "refuse", (_, _) => ValueTask.FromResult<IqReply>(StanzaError.Forbidden("Not yours.")))
            .Message(Example + "poke", (_, _) => ValueTask.CompletedTask)
            .OnConnected((outbound, _) =>
            {
                Connected.Add(outbound.Domain);
                return ValueTask.CompletedTask;
            });
    }

    private sealed class PingAgainService : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) =>
            service.Iq("get", Ns.Ping + "ping", (_, _) => ValueTask.FromResult(IqReply.Empty));
    }

    private sealed class FailingOnConnect : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) =>
            service.OnConnected((_, _) => throw new InvalidOperationException("boom"));
    }
}
