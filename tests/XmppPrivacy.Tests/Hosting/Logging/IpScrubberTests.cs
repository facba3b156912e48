using System.Text;
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
    // IPv4: leading zeros, octal and hex parts, glued to letters, digits around, ports in both notations
    [InlineData("from 010.0.0.1 today", "from [ip] today")]
    [InlineData("0010.000.000.001", "[ip]")]
    [InlineData("octal 0177.0.0.01 and hex 0x7F.0x0.0.0x01", "octal [ip] and hex [ip]")]
    [InlineData("x10.0.0.1", "x[ip]")]
    [InlineData("user_10.0.0.1_x", "user_[ip]_x")]
    [InlineData("host10.0.0.1abc", "host[ip]abc")]
    [InlineData("ip=127.0.0.2;", "ip=[ip];")]
    [InlineData("tcpdump 127.0.0.1.5222 > 10.0.0.2.5269", "tcpdump [ip].5222 > [ip].5269")]
    [InlineData("999.10.0.0.1", "999.[ip]")]
    [InlineData("net 10.0.0.0/8", "net [ip]/8")]
    [InlineData("http://10.0.0.1:5280/upload", "http://[ip]:5280/upload")]
    [InlineData("1.2.3.4", "[ip]")]
    // IPv6: compressed, full, upper case, mapped and embedded IPv4, zone ids, brackets, URLs, glued to letters
    [InlineData("2001:0DB8:0000:0000:0000:0000:0000:0001", "[ip]")]
    [InlineData("2001:db8:0:0:0:0:2:1 full", "[ip] full")]
    [InlineData("::1", "[ip]")]
    [InlineData("listening on :: port 5222", "listening on [ip] port 5222")]
    [InlineData("::FFFF:10.0.0.1", "[ip]")]
    [InlineData("::ffff:010.0.0.1", "[ip]")]
    [InlineData("nat64 64:ff9b::192.0.2.33 here", "nat64 [ip] here")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "[ip]")]
    [InlineData("[2001:DB8::1]:5269", "[[ip]]:5269")]
    [InlineData("http://[::1]:5222/", "http://[[ip]]:5222/")]
    [InlineData("http://[fe80::1%25eth0]:5280/x", "http://[[ip]]:5280/x")]
    [InlineData("fe80::a:b:c:d%enp0s3.", "[ip].")]
    [InlineData("addr_2001:db8::1", "addr_[ip]")]
    [InlineData("xfe80::1", "x[ip]")]
    [InlineData("resource x::1", "resource x[ip]")]
    [InlineData("[::ffff:010.0.0.1]:5222 and x10.0.0.1 and 010.0.0.1", "[[ip]]:5222 and x[ip] and [ip]")]
    public void Every_form_of_an_address_is_replaced(string text, string expected)
    {
        Assert.Equal(expected, IpScrubber.Scrub(text));
    }

    [Fact]
    public void A_long_adversarial_line_is_scrubbed_completely()
    {
        // Near-misses that make pattern matchers try again and again: almost-addresses, long digit and
        // hex runs, colons without end, interleaved with real addresses that must still be found.
        var pieces = new[]
        {
            "1:2:3:4:5:6:7:", "::::::", "1.1.1.", "0000000000000000000000000000010.0.0.1 ", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:",
            "0x0x0x", "9.9.9.999.9.9.9 ", "a:b:c:d:e:f:", "::ffff:1.2.3.", "%%%", "12345678901234567890.",
        };
        var line = new StringBuilder();
        var random = new Random(7);
        while (line.Length < 1_000_000)
        {
            line.Append(pieces[random.Next(pieces.Length)]);
            if (random.Next(50) == 0) line.Append(" x10.0.0.1 ");
        }
        line.Append(" end 010.0.0.1");

        var scrubbed = IpScrubber.Scrub(line.ToString());

        Assert.EndsWith(" end [ip]", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.1", scrubbed, StringComparison.Ordinal);
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
    [InlineData("urn:xmpp:delegation:2:bare:urn:xmpp:mam:2")]
    [InlineData("MAC 00:1a:2b:3c:4d:5e, ratio 1:2:3, build 10.0.100")]
    [InlineData("2026-11-23T10:09:43.123456+01:00")]
    [InlineData("")]
    [InlineData("ok")]
    public void Times_versions_and_other_colon_or_dot_text_is_kept(string text)
    {
        Assert.Equal(text, IpScrubber.Scrub(text));
    }
}
