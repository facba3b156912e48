using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Features;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// A feature added as the architecture says (a declaration and one line in the list of features) claims the
/// entities of the rooms domain (in place of the real rooms feature), and real stanzas from a client through
/// Prosody reach it by their addressee.
/// </summary>
[Collection(RealServers.Name)]
public sealed class FeatureModulesTests
{
    private static readonly XNamespace Muc = "http://jabber.org/protocol/muc";

    [Fact]
    public async Task Stanzas_to_entities_on_a_domain_reach_the_feature_that_claims_them_through_a_real_Prosody()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var rooms = new RecordingRooms();
        await using var component = await ComponentUnderTest.StartAsync(prosody, features: [.. Catalogue.Features.Where(f => f is not RoomsFeature), new RecordingRoomsFeature(rooms)]);
        await component.WaitForAllConnectedAsync();
        await using var alice = await XmppTestClient.ConnectAsync(prosody.C2sPort);
        await alice.RegisterAsync("alice", "pw-alice");
        await alice.AuthenticateAsync("alice", "pw-alice", "phone");

        await alice.SendAsync("<presence to='lounge@rooms.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        await alice.SendAsync("<message type='groupchat' to='lounge@rooms.localhost'><body>hello room</body></message>");
        await alice.SendAsync("<message type='chat' to='lounge@rooms.localhost/Bob'><body>hello Bob</body></message>");
        await alice.SendAsync("<presence type='unavailable' to='lounge@rooms.localhost/Alice'/>");
        var info = await alice.IqAsync("<iq type='get' to='lounge@rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var domain = await alice.IqAsync("<iq type='get' to='rooms.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var unclaimed = await alice.IqAsync("<iq type='get' to='someone@upload.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
        await Repo.WaitUntilAsync(() => Task.FromResult(rooms.Seen.Count >= 4), TimeSpan.FromSeconds(10), "four stanzas reach the rooms feature");

        Assert.Equal(
        [
            "presence available lounge@rooms.localhost/Alice x",
            "message groupchat lounge@rooms.localhost body",
            "message chat lounge@rooms.localhost/Bob body",
            "presence unavailable lounge@rooms.localhost/Alice -",
        ], rooms.Seen.ToArray());
        Assert.All(rooms.From, from => Assert.StartsWith("alice@localhost/phone", from, StringComparison.Ordinal));
        var query = info.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal("result", (string?)info.Attribute("type"));
        Assert.Equal("conference", (string?)query.Element(Ns.DiscoInfo + "identity")?.Attribute("category"));
        Assert.Contains(query.Elements(Ns.DiscoInfo + "feature"), f => (string?)f.Attribute("var") == "muc_persistent");
        Assert.Equal("http://jabber.org/protocol/muc#roominfo",
            query.Descendants(Ns.DataForms + "field").Single(f => (string?)f.Attribute("var") == "FORM_TYPE").Element(Ns.DataForms + "value")!.Value);
        // The domain's own disco still comes from the declarations; a domain nobody claims entities on says so.
        Assert.Contains(domain.Descendants(Ns.DiscoInfo + "feature"), f => (string?)f.Attribute("var") == Muc.NamespaceName);
        Assert.Equal("error", (string?)unclaimed.Attribute("type"));
        Assert.NotNull(unclaimed.Descendants(Ns.Stanzas + "service-unavailable").SingleOrDefault());
        // The feature's own HTTP route, /health part and counter, declared beside its handlers.
        Assert.Equal("lounge: 4 stanzas", await component.Http.GetStringAsync("/test-rooms/lounge"));
        Assert.Equal(4, (await component.HealthAsync()).GetProperty("testRooms").GetProperty("seen").GetInt32());
        Assert.Contains("# TYPE xmppprivacy_test_rooms_stanzas_total counter", await component.MetricsAsync(), StringComparison.Ordinal);
        Assert.Empty(component.ErrorLines());
    }

    /// <summary>What the test feature saw: kind, type, addressee and first child, never content.</summary>
    private sealed class RecordingRooms
    {
        public ConcurrentQueue<string> Seen { get; } = new();
        public ConcurrentQueue<string> From { get; } = new();
    }

    private sealed class RecordingRoomsFeature(RecordingRooms rooms) : IFeature
    {
        public string Name => "recording-rooms";

        public void Declare(FeatureBuilder feature) => feature
            .Component(services => new RecordingRoomsService(services.GetRequiredService<Domains>().Rooms!, rooms))
            .Counter("xmppprivacy_test_rooms_stanzas_total", "Stanzas the test rooms saw.")
            .Health("testRooms", TestRoomsJson.Default.TestRoomsHealth, (_, _) => Task.FromResult(new TestRoomsHealth(rooms.Seen.Count)))
            .Http(routes => routes.MapGet("/test-rooms/{room}", (string room) => Results.Text($"{room}: {rooms.Seen.Count(s => s.Contains(room + "@", StringComparison.Ordinal))} stanzas")));
    }

    private sealed class RecordingRoomsService(string domain, RecordingRooms rooms) : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => [domain];

        public void Declare(ServiceBuilder service) => service
            .Identity("conference", "text", "Test rooms")
            .Feature(Muc.NamespaceName)
            .Entities(space => space
                .Presence(null, Record)
                .Presence("unavailable", Record)
                .Message("groupchat", Record)
                .Message("chat", Record)
                .Info((to, asker, node, ct) => ValueTask.FromResult<DiscoInfo?>(
                    DiscoInfo.Of(new Identity("conference", "text", to.Local), [Muc.NamespaceName, "muc_persistent"],
                        DataForm.Extended("http://jabber.org/protocol/muc#roominfo", FormField.TextSingle("muc#roominfo_occupants", "Occupants", "1"))))));

        private ValueTask<StanzaError?> Record(StanzaRequest request, CancellationToken cancellationToken)
        {
            rooms.From.Enqueue(request.From.ToString());
            rooms.Seen.Enqueue($"{request.Stanza.Name.LocalName} {request.Stanza.Type() ?? "available"} {request.To} {request.Payload?.Name.LocalName ?? "-"}");
            return ValueTask.FromResult<StanzaError?>(null);
        }
    }
}

/// <summary>The test rooms' part of <c>/health</c>, written like a feature's (a record and its JSON context).</summary>
internal sealed record TestRoomsHealth(int Seen);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TestRoomsHealth))]
internal sealed partial class TestRoomsJson : JsonSerializerContext;
