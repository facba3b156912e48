using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

[Collection(RealServers.Name)]
public sealed class ComponentLinkTests
{
    [Fact]
    public async Task Component_authenticates_every_domain_with_a_real_Prosody_and_health_says_ok()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);

        await component.WaitForAllConnectedAsync();

        var health = await component.HealthAsync();
        var domains = health.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("domain").GetString()).ToList();
        Assert.Equal(["clipboard.localhost", ProsodyServer.PrivacyDomain, ProsodyServer.RoomsDomain, ProsodyServer.UploadDomain], domains);
        var log = prosody.Log();
        Assert.Contains("privacy.localhost:component", log);
        Assert.Contains("External component successfully authenticated", log);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_real_client_finds_the_component_domains_and_gets_disco_ping_and_version()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("alice", "alice-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");

        await ComponentChecks.AssertDomainsAnswerAsync(alice);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task After_Prosody_restarts_the_component_reconnects_and_answers_again()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("bob", "bob-secret");

        await prosody.RestartAsync();
        await component.WaitForAllConnectedAsync();

        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        var pong = await bob.IqAsync($"<iq type='get' to='{ProsodyServer.PrivacyDomain}'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", (string?)pong.Attribute("type"));
        // One warning per outage and domain, no error.
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_wrong_secret_backs_off_and_health_says_authentication_failed()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>
        {
            ["Component:Secret"] = "not-the-secret",
            ["Component:ReconnectBaseDelay"] = "1s",
            ["Component:ReconnectMaxDelay"] = "60s",
        });

        await component.WaitForStateAsync(ProsodyServer.PrivacyDomain, "authentication failed");
        var health = await component.HealthAsync();
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var privacy = health.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("domain").GetString() == ProsodyServer.PrivacyDomain);
        Assert.Equal("not-authorized", privacy.GetProperty("lastError").GetString());

        // With a 1 s base delay doubling per failure, 5 s allow at most a handful of attempts per domain.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var attempts = prosody.Log().Split('\n').Count(l => l.Contains("Incoming Jabber component connection"));
        var links = health.GetProperty("links").GetArrayLength(); // every domain the test server declares, the clipboard too
        Assert.InRange(attempts, links, links * 5);
        Assert.DoesNotContain("not-the-secret", component.Log);
        Assert.DoesNotContain(prosody.Secret, component.Log);
    }
}
