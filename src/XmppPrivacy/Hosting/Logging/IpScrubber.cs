using System.Text.RegularExpressions;

namespace XmppPrivacy.Hosting.Logging;

/// <summary>Replaces IPv4 and IPv6 addresses in log text with <c>[ip]</c>. It errs on the side of scrubbing.</summary>
public static partial class IpScrubber
{
    public const string Replacement = "[ip]";

    public static string Scrub(string text) =>
        text.Length < 3 ? text : Ipv4().Replace(Ipv6().Replace(text, Replacement), Replacement);

    [GeneratedRegex(@"(?<![0-9A-Za-z.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9])")]
    private static partial Regex Ipv4();

    // Full form (eight groups) or any form with '::', optionally ending in an embedded IPv4 address.
    [GeneratedRegex(@"(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?(?::?(?:[0-9]{1,3}\.){3}[0-9]{1,3})?)(?:%[0-9A-Za-z]+)?(?![0-9A-Fa-f:]|\.[0-9])")]
    private static partial Regex Ipv6();
}
