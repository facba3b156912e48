using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>What a client of either server must see of the component domains.</summary>
public static class ComponentChecks
{
    public static readonly string[] Domains = [ProsodyServer.PrivacyDomain, ProsodyServer.UploadDomain, ProsodyServer.RoomsDomain];

    /// <summary>Waits until the server advertised the delegation of urn:xmpp:mam:2 and the message privilege (/health shows both).</summary>
    public static Task WaitForDelegationAsync(ComponentUnderTest component) =>
        Repo.WaitUntilAsync(async () =>
        {
            var delegation = (await component.HealthAsync()).GetProperty("delegation");
            return delegation.GetProperty("namespaces").EnumerateArray().Any(n => n.GetString() == "urn:xmpp:mam:2")
                && delegation.GetProperty("privileges").EnumerateArray().Any(p => p.GetString() == "message:outgoing");
        }, TimeSpan.FromSeconds(15), "the server advertised the delegation of urn:xmpp:mam:2 and the message privilege");

    /// <summary>
    /// Waits until a component started as its own process (<c>xmpp-privacy run</c>, the native binary) answers
    /// <c>/health</c> with success on <paramref name="httpPort"/>: all its links are up.
    /// </summary>
    public static async Task WaitForHealthyProcessAsync(int httpPort, string what = "the component is connected", TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await Repo.WaitUntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/health")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, timeout ?? TimeSpan.FromSeconds(30), what);
    }

    /// <summary>Waits until every link is up and the Prosody bridge answered the component's hello.</summary>
    public static async Task WaitForBridgeAsync(ComponentUnderTest component)
    {
        await component.WaitForAllConnectedAsync();
        await Repo.WaitUntilAsync(async () => (await component.HealthAsync()).GetProperty("bridge").GetProperty("present").GetBoolean(),
            TimeSpan.FromSeconds(15), "the bridge answered hello");
    }

    /// <summary>The server lists every component domain, and each answers disco#info, ping and version; unknown IQs get service-unavailable.</summary>
    public static async Task AssertDomainsAnswerAsync(XmppTestClient client)
    {
        var items = await client.IqAsync("<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        var jids = items.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("jid")).ToList();
        foreach (var domain in Domains) Assert.Contains(domain, jids);

        foreach (var domain in Domains)
        {
            var info = await client.IqAsync($"<iq type='get' to='{domain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
            Assert.Equal("result", (string?)info.Attribute("type"));
            var features = info.Descendants(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")).ToList();
            Assert.Contains("urn:xmpp:ping", features);
            Assert.Contains("jabber:iq:version", features);
            Assert.Contains("http://jabber.org/protocol/disco#info", features);
            Assert.NotEmpty(info.Descendants(Ns.DiscoInfo + "identity"));

            var pong = await client.IqAsync($"<iq type='get' to='{domain}'><ping xmlns='urn:xmpp:ping'/></iq>");
            Assert.Equal("result", (string?)pong.Attribute("type"));

            var version = await client.IqAsync($"<iq type='get' to='{domain}'><query xmlns='jabber:iq:version'/></iq>");
            Assert.Equal("XmppPrivacy", version.Descendants(Ns.Version + "name").Single().Value);
            Assert.Empty(version.Descendants(Ns.Version + "os"));
        }

        var unknown = await client.IqAsync($"<iq type='get' to='{ProsodyServer.PrivacyDomain}'><query xmlns='urn:example:nothing'/></iq>");
        Assert.Equal("error", (string?)unknown.Attribute("type"));
        Assert.NotNull(unknown.Descendants(Ns.Stanzas + "service-unavailable").SingleOrDefault());
    }
}
