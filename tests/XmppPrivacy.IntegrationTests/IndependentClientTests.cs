using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>A client we did not write (slixmpp from Debian) registers in-band and uses the component.</summary>
[Collection(RealServers.Name)]
public sealed class IndependentClientTests
{
    [Fact]
    public async Task Slixmpp_registers_in_band_and_gets_disco_ping_and_version_from_every_component_domain()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await component.WaitForAllConnectedAsync();

        var (code, output) = await Repo.RunAsync("/usr/bin/python3",
            [Path.Combine(Repo.Root, "scripts", "check-with-slixmpp.py"), "--port", prosody.C2sPort.ToString(),
             "--user", "slixmpp-user", "--password", "slixmpp-secret", "--register"], timeout: TimeSpan.FromSeconds(90));

        Assert.True(code == 0, output);
        Assert.Contains("registered slixmpp-user@localhost", output);
        Assert.Contains("privacy.localhost: identities", output);
        Assert.Contains("version XmppPrivacy", output);
        Assert.Empty(component.ErrorLines());
    }
}
