using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

/// <summary>Stanzas addressed to entities of a domain (a room, an occupant) and their disco.</summary>
public sealed class EntityRoutingTests
{
    private const string Rooms = "rooms.localhost";
    private static readonly XNamespace Muc = "http://jabber.org/protocol/muc";
    private static readonly XNamespace Example = "urn:example:feature";

    private static Router Build(params IComponentService[] services) =>
        new(["privacy.localhost", Rooms], [new CoreService(), .. services], new IqTracker(), new TestLog().For<Router>());

    private static async Task<IReadOnlyList<XElement>> RouteAsync(Router router, string stanza)
    {
        var outbound = new RecordingOutbound(Rooms);
        await router.RouteAsync(XElement.Parse(stanza), outbound, CancellationToken.None);
        return outbound.Sent;
    }

    [Fact]
    public async Task Presence_without_children_to_an_occupant_reaches_the_service_that_claims_the_rooms_domain()
    {
        var rooms = new RoomsService();
        var router = Build(rooms);

        var sent = await RouteAsync(router, "<presence xmlns='jabber:component:accept' type='unavailable' from='alice@localhost/phone' to='room@rooms.localhost/alice'/>");
        var joined = await RouteAsync(router, "<presence xmlns='jabber:component:accept' from='bob@localhost/pc' to='room@rooms.localhost/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>");

        Assert.Empty(sent);
        Assert.Empty(joined);
        Assert.Equal(["unavailable alice@localhost/phone → room@rooms.localhost/alice (no child)", $"available bob@localhost/pc → room@rooms.localhost/bob ({Muc + "x"})"], rooms.Seen);
    }

    [Fact]
    public async Task A_groupchat_message_to_a_room_reaches_the_service_and_an_error_it_returns_is_sent_once()
    {
        var rooms = new RoomsService();
        var router = Build(rooms);

        var accepted = await RouteAsync(router, "<message xmlns='jabber:component:accept' type='groupchat' id='g1' from='alice@localhost/phone' to='room@rooms.localhost'><body>hi</body></message>");
        var refused = await RouteAsync(router, "<message xmlns='jabber:component:accept' type='groupchat' id='g2' from='mallory@localhost/pc' to='room@rooms.localhost'><body>hi</body></message>");

        Assert.Empty(accepted);
        Assert.Contains("groupchat alice@localhost/phone → room@rooms.localhost ({jabber:component:accept}body)", rooms.Seen);
        var error = Assert.Single(refused);
        Assert.Equal(("message", "error", "g2", "mallory@localhost/pc", "room@rooms.localhost"),
            (error.Kind(), error.Type(), error.Id(), error.ToText(), error.FromText()));
        Assert.NotNull(error.Element(Ns.Component + "error")?.Element(Ns.Stanzas + "not-acceptable"));
    }

    [Fact]
    public async Task A_private_message_to_an_occupant_goes_to_the_chat_handler_and_other_types_to_the_fallback()
    {
        var rooms = new RoomsService();
        var router = Build(rooms);

        await RouteAsync(router, "<message xmlns='jabber:component:accept' type='chat' from='alice@localhost/phone' to='room@rooms.localhost/bob'><body>psst</body></message>");
        await RouteAsync(router, "<message xmlns='jabber:component:accept' type='headline' from='alice@localhost/phone' to='room@rooms.localhost/bob'><body>news</body></message>");

        Assert.Equal(["chat alice@localhost/phone → room@rooms.localhost/bob ({jabber:component:accept}body)",
            "other-message alice@localhost/phone → room@rooms.localhost/bob ({jabber:component:accept}body)"], rooms.Seen);
    }

    [Fact]
    public async Task An_iq_to_an_occupant_reaches_the_service_by_type_and_payload()
    {
        var rooms = new RoomsService();
        var router = Build(rooms);

        var answer = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "room@rooms.localhost/bob", "p1", new XElement(Ns.Ping + "ping")).ToString()));
        var unknown = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "room@rooms.localhost/bob", "p2", new XElement(Example + "query")).ToString()));

        Assert.Equal(("result", "p1", "room@rooms.localhost/bob", "alice@localhost/phone"), (answer.Type(), answer.Id(), answer.FromText(), answer.ToText()));
        Assert.Equal(["iq get alice@localhost/phone → room@rooms.localhost/bob"], rooms.Seen);
        StanzaAssert.Error(unknown, "p2", "cancel", "service-unavailable");
    }

    [Fact]
    public async Task Disco_info_of_a_room_is_answered_by_its_owner_with_an_extended_form()
    {
        var router = Build(new RoomsService());

        var answer = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "room@rooms.localhost", "d1", new XElement(Ns.DiscoInfo + "query")).ToString()));
        var missing = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "nothere@rooms.localhost", "d2", new XElement(Ns.DiscoInfo + "query")).ToString()));

        var query = answer.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal([("conference", "text", "Room")], query.Elements(Ns.DiscoInfo + "identity")
            .Select(i => ((string?)i.Attribute("category"), (string?)i.Attribute("type"), (string?)i.Attribute("name"))));
        Assert.Equal(["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/muc", "muc_open"],
            query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
        var form = Assert.Single(query.Elements(Ns.DataForms + "x"));
        Assert.Equal("result", (string?)form.Attribute("type"));
        Assert.Equal([("FORM_TYPE", "http://jabber.org/protocol/muc#roominfo"), ("muc#roominfo_occupants", "2")],
            form.Elements(Ns.DataForms + "field").Select(f => ((string?)f.Attribute("var"), f.Element(Ns.DataForms + "value")?.Value)));
        StanzaAssert.Error(missing, "d2", "cancel", "item-not-found");
    }

    [Fact]
    public async Task Disco_items_of_a_room_are_answered_by_its_owner()
    {
        var router = Build(new RoomsService());

        var answer = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "room@rooms.localhost", "i1", new XElement(Ns.DiscoItems + "query")).ToString()));

        Assert.Equal(["room@rooms.localhost/bob"], answer.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("jid")));
    }

    [Fact]
    public async Task An_entity_on_a_domain_nobody_claims_answers_iqs_and_chat_messages_with_service_unavailable()
    {
        var router = Build(new RoomsService());

        var iq = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", "someone@privacy.localhost", "u1", new XElement(Ns.Ping + "ping")).ToString()));
        var set = Assert.Single(await RouteAsync(router, Stanza.Iq("set", "alice@localhost/phone", "someone@privacy.localhost/x", "u2", new XElement(Example + "query")).ToString()));
        var chat = Assert.Single(await RouteAsync(router, "<message xmlns='jabber:component:accept' type='chat' id='u3' from='alice@localhost/phone' to='someone@privacy.localhost'><body>hi</body></message>"));
        var normal = Assert.Single(await RouteAsync(router, "<message xmlns='jabber:component:accept' id='u4' from='alice@localhost/phone' to='someone@privacy.localhost/x'><body>hi</body></message>"));

        StanzaAssert.Error(iq, "u1", "cancel", "service-unavailable");
        StanzaAssert.Error(set, "u2", "cancel", "service-unavailable");
        StanzaAssert.Error(chat, "u3", "cancel", "service-unavailable");
        StanzaAssert.Error(normal, "u4", "cancel", "service-unavailable");
        Assert.Equal("message", normal.Kind());
    }

    [Theory]
    [InlineData("<presence xmlns='jabber:component:accept' from='alice@localhost/phone' to='someone@privacy.localhost/x'/>")]
    [InlineData("<presence xmlns='jabber:component:accept' type='subscribe' from='alice@localhost/phone' to='someone@privacy.localhost'/>")]
    [InlineData("<message xmlns='jabber:component:accept' type='groupchat' from='alice@localhost/phone' to='someone@privacy.localhost'><body>hi</body></message>")]
    [InlineData("<message xmlns='jabber:component:accept' type='headline' from='alice@localhost/phone' to='someone@privacy.localhost'><body>hi</body></message>")]
    [InlineData("<message xmlns='jabber:component:accept' type='error' from='alice@localhost/phone' to='someone@privacy.localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")]
    [InlineData("<iq xmlns='jabber:component:accept' type='error' id='e1' from='alice@localhost/phone' to='someone@privacy.localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")]
    [InlineData("<iq xmlns='jabber:component:accept' type='result' id='e2' from='alice@localhost/phone' to='someone@privacy.localhost'/>")]
    public async Task An_entity_on_a_domain_nobody_claims_is_silent_for_presences_groupchat_headlines_errors_and_results(string stanza)
    {
        Assert.Empty(await RouteAsync(Build(new RoomsService()), stanza));
    }

    [Theory]
    [InlineData("<message xmlns='jabber:component:accept' type='error' from='mallory@localhost/pc' to='room@rooms.localhost'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")]
    [InlineData("<presence xmlns='jabber:component:accept' type='error' from='mallory@localhost/pc' to='room@rooms.localhost/m'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")]
    public async Task An_error_is_never_answered_with_an_error_even_when_its_handler_returns_one_or_fails(string stanza)
    {
        var rooms = new RoomsService();

        Assert.Empty(await RouteAsync(Build(rooms), stanza));
        Assert.Single(rooms.Seen);
    }

    [Fact]
    public async Task A_failing_entity_handler_is_answered_internal_server_error_without_its_text()
    {
        var router = Build(new RoomsService());

        var answer = Assert.Single(await RouteAsync(router, "<message xmlns='jabber:component:accept' type='chat' id='b1' from='alice@localhost/phone' to='boom@rooms.localhost/x'><body>hi</body></message>"));

        StanzaAssert.Error(answer, "b1", "cancel", "internal-server-error");
        Assert.DoesNotContain("secret", answer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_iq_result_addressed_to_an_entity_still_completes_the_iq_we_sent()
    {
        var tracker = new IqTracker();
        var router = new Router([Rooms], [new CoreService(), new RoomsService()], tracker, new TestLog().For<Router>());
        var outbound = new RecordingOutbound(Rooms);
        var question = Stanza.Iq("get", "room@rooms.localhost/bob", "bob@localhost/pc", "q1", new XElement(Ns.Ping + "ping"));

        var waiting = tracker.SendAsync(outbound, question, TimeSpan.FromSeconds(10), CancellationToken.None);
        await router.RouteAsync(XElement.Parse("<iq xmlns='jabber:component:accept' type='result' id='q1' from='bob@localhost/pc' to='room@rooms.localhost/bob'/>"), outbound, CancellationToken.None);

        Assert.Equal("result", (await waiting).Type());
        Assert.Single(outbound.Sent);
    }

    [Fact]
    public async Task Stanzas_to_the_domain_itself_keep_their_routes_when_a_service_claims_its_entities()
    {
        var router = Build(new RoomsService());

        var ping = Assert.Single(await RouteAsync(router, Stanza.Iq("get", "alice@localhost/phone", Rooms, "p1", new XElement(Ns.Ping + "ping")).ToString()));

        Assert.Equal("result", ping.Type());
    }

    [Fact]
    public void Two_services_claiming_the_entities_of_one_domain_are_refused_when_the_router_is_built()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Build(new RoomsService(), new RoomsService()));

        Assert.Contains(Rooms, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entity_space_refuses_unknown_types_duplicates_and_hand_written_disco()
    {
        var space = new EntitySpaceBuilder(Rooms);
        space.Presence(null, (_, _) => ValueTask.FromResult<StanzaError?>(null));

        Assert.Throws<ArgumentException>(() => space.Message("shout", (_, _) => ValueTask.FromResult<StanzaError?>(null)));
        Assert.Throws<ArgumentException>(() => space.Presence("away", (_, _) => ValueTask.FromResult<StanzaError?>(null)));
        Assert.Throws<InvalidOperationException>(() => space.Presence(null, (_, _) => ValueTask.FromResult<StanzaError?>(null)));
        Assert.Throws<ArgumentException>(() => space.Iq("get", Ns.DiscoInfo + "query", (_, _) => ValueTask.FromResult(IqReply.Empty)));
    }

    [Fact]
    public async Task Presence_without_children_to_an_entity_is_routed_from_the_wire()
    {
        var rooms = new RoomsService(SessionHarness.Domain);
        await using var h = await SessionHarness.ConnectedAsync(rooms);

        await h.Server.SendAsync("<presence type='unavailable' from='alice@localhost/phone' to='room@privacy.localhost/alice'/>");
        var marker = await h.AskAsync(SessionHarness.Marker);

        Assert.Equal("marker", marker.Id());
        Assert.Equal(["unavailable alice@localhost/phone → room@privacy.localhost/alice (no child)"], rooms.Seen);
    }

    /// <summary>A room service in miniature: it owns every room and occupant of its domain and records what reaches it.</summary>
    private sealed class RoomsService(string domain = Rooms) : IComponentService
    {
        private readonly List<string> _seen = [];

        public IReadOnlyList<string> Seen
        {
            get
            {
                lock (_seen) return _seen.ToList();
            }
        }

        public IReadOnlyCollection<string>? Domains => [domain];

        public void Declare(ServiceBuilder service) => service
            .Identity("conference", "text", "Rooms")
            .Entities(space => space
                .Iq("get", Ns.Ping + "ping", (request, _) =>
                {
                    See($"iq get {request.From} → {request.To}");
                    return ValueTask.FromResult(IqReply.Empty);
                })
                .Message("groupchat", Record("groupchat", r => r.From.Local == "mallory" ? StanzaError.NotAcceptable("Join the room first.") : null))
                .Message("chat", Record("chat", r => r.To.Local == "boom" ? throw new InvalidOperationException("secret detail") : null))
                .Message("error", Record("error", _ => StanzaError.ServiceUnavailable()))
                .OtherMessages(Record("other-message"))
                .Presence(null, Record("available"))
                .Presence("unavailable", Record("unavailable"))
                .Presence("error", Record("error", _ => StanzaError.BadRequest("never sent")))
                .Info((to, _, node, _) => ValueTask.FromResult(to.Local == "room" && node is null
                    ? DiscoInfo.Of(new Identity("conference", "text", "Room"), ["muc_open", "http://jabber.org/protocol/muc"],
                        DataForm.Extended("http://jabber.org/protocol/muc#roominfo", FormField.TextSingle("muc#roominfo_occupants", value: "2")))
                    : null))
                .Items((to, _, _, _) => ValueTask.FromResult<IReadOnlyList<DiscoItem>?>(to.Local == "room"
                    ? [new DiscoItem(new Jid("room", domain, "bob"))]
                    : null)));

        private void See(string line)
        {
            lock (_seen) _seen.Add(line);
        }

        private EntityStanzaHandler Record(string label, Func<StanzaRequest, StanzaError?>? decide = null) => (request, _) =>
        {
            See($"{label} {request.From} → {request.To} ({(request.Payload is null ? "no child" : request.Payload.Name.ToString())})");
            return ValueTask.FromResult(decide?.Invoke(request));
        };
    }
}
