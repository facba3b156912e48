using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>XEP-0355 delegation through Prosody's mod_delegation: what a user asks their own account reaches the component.</summary>
[Collection(RealServers.Name)]
public sealed class DelegationTests
{
    [Fact]
    public async Task Prosody_advertises_the_delegation_and_privilege_and_every_delegated_iq_is_answered()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();
        await ComponentChecks.WaitForDelegationAsync(component);
        await prosody.RegisterAsync("alice", "alice-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");

        // Sent to her own account; Prosody forwards it to the component, whose answer comes back from her bare JID.
        // An element of the delegated namespace that no service handles: the answer must still come, as an error.
        var query = await alice.IqAsync("<iq type='get'><unknown xmlns='urn:xmpp:mam:2'/></iq>", TimeSpan.FromSeconds(10));

        Assert.Equal("error", (string?)query.Attribute("type"));
        Assert.NotNull(query.Descendants(Ns.Stanzas + "service-unavailable").SingleOrDefault());
        // The IQ went through the component, and Prosody accepted the wrapped error.
        Assert.Contains("stanza forwarded", prosody.Log());
        Assert.DoesNotContain("ignoring", prosody.Log());
        Assert.Empty(component.ErrorLines());
    }
}
