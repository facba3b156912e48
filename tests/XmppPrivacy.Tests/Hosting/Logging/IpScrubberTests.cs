using XmppPrivacy.Hosting.Logging;

namespace XmppPrivacy.Tests.Hosting.Logging;

public sealed class IpScrubberTests
{
    [Theory]
    [InlineData("User bob just registered on localhost from 127.0.0.2", "User bob just registered on localhost from [ip]")]
    [InlineData("[2026-11-22 11:25:13] The account bob@localhost was registered from IP address 127.0.0.2 on node 'ejabberd@localhost'",
        "[2026-11-22 11:25:13] The account bob@localhost was registered from IP address [ip] on node 'ejabberd@localhost'")]
    [InlineData("peer 192.168.1.20:5222 closed", "peer [ip]:5222 closed")]
    [InlineData("0.0.0.0 and 255.255.255.255", "[ip] and [ip]")]
    [InlineData("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[ip]")]
    [InlineData("2001:DB8:85A3:0:0:8A2E:370:7334 upper case", "[ip] upper case")]
    [InlineData("from ::1 on loopback", "from [ip] on loopback")]
    [InlineData("listening on [::1]:5347", "listening on [[ip]]:5347")]
    [InlineData("from 2001:db8::1.", "from [ip].")]
    [InlineData("prefix 2001:db8:: only", "prefix [ip] only")]
    [InlineData("link-local fe80::1%eth0 here", "link-local [ip] here")]
    [InlineData("mapped ::ffff:c000:280 here", "mapped [ip] here")]
    [InlineData("mapped ::ffff:192.0.2.128 here", "mapped [ip] here")]
    [InlineData("two: 10.0.0.1,10.0.0.2", "two: [ip],[ip]")]
    public void Addresses_are_replaced(string text, string expected)
    {
        Assert.Equal(expected, IpScrubber.Scrub(text));
    }

    [Theory]
    [InlineData("Sweep log-files deleted 0 items in 00:00:01.5")]
    [InlineData("Sweep log-files deleted 3 items in 00:00:00.0012345")]
    [InlineData("at 10:09:43 the link came back")]
    [InlineData("[2026-11-22 11:25:13] started")]
    [InlineData("2026-11-23T10:09:43.123Z")]
    [InlineData("Prosody 0.12.3 and version 1.2.3")]
    [InlineData("retrying in 00:01:00")]
    [InlineData("1.00:00:00 is a day")]
    [InlineData("urn:xmpp:delegation:2::urn:xmpp:mam:2")]
    [InlineData("999.1.1.1 is no address")]
    [InlineData("")]
    [InlineData("ok")]
    public void Times_versions_and_other_colon_or_dot_text_is_kept(string text)
    {
        Assert.Equal(text, IpScrubber.Scrub(text));
    }
}
