using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>The anonymised registration notice on a real Prosody, from the bridge and from mod_watchregistrations.</summary>
[Collection(RealServers.Name)]
public sealed class NoticesTests
{
    // Registrants connect from 127.0.0.2 so that the address the server sees differs from the loopback
    // address the notice promises; it must appear nowhere.
    private const string RegistrantAddress = "127.0.0.2";

    private static readonly Dictionary<string, string?> Admins = new() { ["Notices:Admins"] = "admin@localhost" };

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task An_in_band_registration_sends_admins_exactly_one_notice_with_the_loopback_address(bool bridge, bool watcher)
    {
        await using var prosody = await ProsodyServer.StartAsync(bridge, watcher);
        await using var component = await ComponentUnderTest.StartAsync(prosody, Admins);
        await component.WaitForAllConnectedAsync();
        await using var admin = await AdminAsync(prosody);

        await RegisterInBandAsync(prosody, "newcomer");

        var notice = await NextNoticeAsync(admin);
        Assert.Equal("User newcomer just registered on localhost from 127.0.0.1", notice);
        await Assert.ThrowsAsync<TimeoutException>(() => NextNoticeAsync(admin, TimeSpan.FromSeconds(2)));
        AssertAddressNowhere(component);
    }

    [Fact]
    public async Task A_burst_of_registrations_alerts_admins_within_seconds_and_is_summed_up_when_it_ends()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>(Admins)
        {
            ["Notices:BurstCount"] = "5",
            ["Notices:BurstWindow"] = "10s",
        });
        await component.WaitForAllConnectedAsync();
        await using var admin = await AdminAsync(prosody);

        var notices = new List<string>();
        for (var i = 1; i <= 6; i++) await RegisterInBandAsync(prosody, $"bot{i}");
        // The sixth registration within the window crosses the threshold: the alert comes now, not after the window.
        var crossed = Stopwatch.StartNew();
        do notices.Add(await NextNoticeAsync(admin, TimeSpan.FromSeconds(3)));
        while (!notices[^1].StartsWith("Registration burst", StringComparison.Ordinal));
        Assert.True(crossed.Elapsed < TimeSpan.FromSeconds(3), $"the alert came {crossed.Elapsed.TotalSeconds:F1} s after the threshold was crossed");
        Assert.Equal(6, notices.Count);
        Assert.All(notices.Take(5), n => Assert.Matches("^User bot[1-5] just registered on localhost from 127.0.0.1$", n));
        Assert.Contains("more than 5 registrations within 10s", notices[5]);
        Assert.Contains("bot6", notices[5]);

        for (var i = 7; i <= 20; i++) await RegisterInBandAsync(prosody, $"bot{i}");
        // The burst ends once the window holds no more than five registrations again: then the summary.
        var summary = await NextNoticeAsync(admin, TimeSpan.FromSeconds(20));
        Assert.StartsWith("Registration burst on localhost ended: 15 more registrations since ", summary);
        Assert.Contains("bot6, bot7", summary);
        Assert.Contains("bot20", summary);
        Assert.Contains("(numbered sequence)", summary);
        Assert.Contains("individual notices resume", summary);
        await Assert.ThrowsAsync<TimeoutException>(() => NextNoticeAsync(admin, TimeSpan.FromSeconds(2)));

        // Afterwards registrations get their own notice again.
        await RegisterInBandAsync(prosody, "latecomer");
        Assert.Equal("User latecomer just registered on localhost from 127.0.0.1", await NextNoticeAsync(admin));
        AssertAddressNowhere(component);
    }

    [Fact]
    public async Task A_username_with_a_bidi_override_is_refused_by_Prosody_and_never_reaches_a_notice()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, Admins);
        await component.WaitForAllConnectedAsync();
        await using var admin = await AdminAsync(prosody);

        // Prosody's nodeprep refuses U+202E RIGHT-TO-LEFT OVERRIDE; names that pass it are sanitised again
        // by the component (RegistrationTextTests).
        await using (var client = await XmppTestClient.ConnectAsync(prosody.C2sPort, from: RegistrantAddress))
        {
            var refused = await client.RegisterAsync("eve\u202Egnp.exe", "eve-secret");
            Assert.Equal("error", (string?)refused.Attribute("type"));
        }
        await RegisterInBandAsync(prosody, "mallory");

        Assert.Equal("User mallory just registered on localhost from 127.0.0.1", await NextNoticeAsync(admin));
    }

    internal static async Task<XmppTestClient> AdminAsync(ProsodyServer prosody)
    {
        await prosody.RegisterAsync("admin", "admin-secret");
        return await XmppTestClient.LoginAsync(prosody.C2sPort, "admin", "admin-secret");
    }

    internal static async Task RegisterInBandAsync(ProsodyServer prosody, string user)
    {
        await using var client = await XmppTestClient.ConnectAsync(prosody.C2sPort, from: RegistrantAddress);
        var answer = await client.RegisterAsync(user, user + "-secret");
        Assert.Equal("result", (string?)answer.Attribute("type"));
    }

    internal static async Task<string> NextNoticeAsync(XmppTestClient admin, TimeSpan? timeout = null)
    {
        // Any message with a body: one from Prosody itself (mod_watchregistrations, with the address) must not come.
        var message = await admin.WaitForAsync(e => e.Name == Ns.Component + "message" && e.Element(Ns.Component + "body") is not null, timeout);
        Assert.Equal(ProsodyServer.PrivacyDomain, (string?)message.Attribute("from"));
        Assert.NotNull(message.Element(XName.Get("unstyled", "urn:xmpp:styling:0")));
        return message.Element(Ns.Component + "body")!.Value;
    }

    /// <summary>The registrant's address is in no log line and no database byte of the component.</summary>
    internal static void AssertAddressNowhere(ComponentUnderTest component)
    {
        Assert.DoesNotContain(RegistrantAddress, component.Log);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(component.State, "xmpp-privacy.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.DoesNotContain(RegistrantAddress, Encoding.Latin1.GetString(copy.ToArray()));
        }
    }
}
