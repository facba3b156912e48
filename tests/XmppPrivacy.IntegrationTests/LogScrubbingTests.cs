using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// Guarantee 4 through a real Prosody, with the component logging at its most verbose: a user connecting from
/// 127.0.0.2 whose name, resource and stanzas are full of address-like text (leading zeros, glued to letters,
/// IPv4-mapped IPv6, brackets and ports) leaves no address in any form in the component's log.
/// </summary>
[Collection(RealServers.Name)]
public sealed class LogScrubbingTests
{
    private const string From = "127.0.0.2";

    private static readonly string[] Forms =
        ["127.0.0.2", "010.0.0.1", "10.0.0.1", "::ffff", "::FFFF", "fe80", "FE80", "2001:db8", "0x7f.0.0.1", "::1"];

    [Fact]
    public async Task A_client_full_of_address_forms_leaves_none_in_the_components_log()
    {
        await using var prosody = await ProsodyServer.StartAsync(bridge: true, watcher: true);
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>
        {
            ["Log:Level"] = "Trace",
            ["Notices:Admins"] = "admin@localhost",
        });
        await component.WaitForAllConnectedAsync();
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var admin = await NoticesTests.AdminAsync(prosody);

        const string user = "x010.0.0.1_0x7f.0.0.1";
        await using (var registrant = await XmppTestClient.ConnectAsync(prosody.C2sPort, from: From))
            Assert.Equal("result", (string?)(await registrant.RegisterAsync(user, "secret")).Attribute("type"));
        var notice = await admin.WaitForAsync(e => e.Element(Ns.Component + "body") is not null);
        Assert.Contains("from 127.0.0.1", notice.Element(Ns.Component + "body")!.Value, StringComparison.Ordinal);

        await using var client = await XmppTestClient.ConnectAsync(prosody.C2sPort, from: From);
        await client.AuthenticateAsync(user, "secret", "x10.0.0.1_[::ffff:010.0.0.1]:5222_fe80::1%25eth0");
        await client.SendAsync("<presence/>");
        const string text = "x10.0.0.1 010.0.0.1 [::FFFF:010.0.0.1]:5222 http://[fe80::1%25eth0]:5280/ 2001:db8::1 ::1 0x7f.0.0.1";
        await client.SendAsync($"<presence to='privacy.localhost'><status>{text}</status></presence>");
        await client.SendAsync($"<message to='privacy.localhost' id='m1'><body>{text}</body><x{text.Length} xmlns='urn:example:10.0.0.1'/></message>");
        var answer = await client.IqAsync($"<iq type='get' to='privacy.localhost'><query xmlns='urn:example:{Uri.EscapeDataString(text)}'>{text}</query></iq>");
        Assert.Equal("error", (string?)answer.Attribute("type"));
        var version = await client.IqAsync("<iq type='get' to='privacy.localhost'><query xmlns='jabber:iq:version'/></iq>");
        Assert.Equal("result", (string?)version.Attribute("type"));
        await Repo.WaitUntilAsync(async () => await component.MetricAsync("xmppprivacy_bridge_events_total{kind=\"session-start\"}") >= 2,
            TimeSpan.FromSeconds(10), "the bridge reported the logins");

        var log = component.Log;
        Assert.NotEmpty(log);
        Assert.All(Forms, form => Assert.DoesNotContain(form, log, StringComparison.Ordinal));
        Assert.Empty(component.ErrorLines());
    }
}
