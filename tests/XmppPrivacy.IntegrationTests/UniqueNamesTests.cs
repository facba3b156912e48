using System.Text;
using XmppPrivacy.IntegrationTests.Infrastructure;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// Any user can send the component stanzas full of never-repeated element and attribute names, and Prosody
/// passes them on over the one long-lived component connection: the component's retained memory stays flat.
/// </summary>
[Collection(RealServers.Name)]
public sealed class UniqueNamesTests
{
    [Fact]
    public async Task Twenty_thousand_messages_with_never_repeated_names_leave_the_components_memory_flat()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody);
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("mallory", "mallory-secret");
        await using var mallory = await XmppTestClient.LoginAsync(prosody.C2sPort, "mallory", "mallory-secret");

        await SendAsync(mallory, 0, 3_000); // past what one connection may add for good
        var before = GC.GetTotalMemory(forceFullCollection: true);
        await SendAsync(mallory, 3_000, 20_000);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(after - before < 4 * 1024 * 1024, $"retained memory grew by {(after - before) / 1024} KiB");
        Assert.Empty(component.ErrorLines());
    }

    /// <summary>
    /// Sends <paramref name="count"/> headline messages (never answered) to the privacy domain, each with ten
    /// names nobody used before, and waits until the component has read them all (a ping answered after them).
    /// </summary>
    private static async Task SendAsync(XmppTestClient client, int first, int count)
    {
        const int batch = 250;
        for (var start = first; start < first + count; start += batch)
        {
            var text = new StringBuilder();
            for (var i = start; i < Math.Min(start + batch, first + count); i++)
            {
                text.Append($"<message type='headline' to='privacy.localhost' id='u{i}'><body>hi</body>");
                for (var k = 0; k < 5; k++) text.Append($"<e{i}x{k} xmlns='urn:example:names' a{i}x{k}='1'/>");
                text.Append("</message>");
            }
            await client.SendAsync(text.ToString());
        }
        var pong = await client.IqAsync("<iq type='get' to='privacy.localhost'><ping xmlns='urn:xmpp:ping'/></iq>", TimeSpan.FromSeconds(120));
        Assert.Equal("result", (string?)pong.Attribute("type"));
    }
}
