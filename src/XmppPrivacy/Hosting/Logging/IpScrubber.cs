using System.Buffers;
using System.Text;

namespace XmppPrivacy.Hosting.Logging;

/// <summary>
/// Replaces IPv4 and IPv6 addresses in log text with <c>[ip]</c>, in every form they take in text: leading
/// zeros and octal or hex parts (<c>010.0.0.1</c>, <c>0x7f.0.0.1</c>), glued to letters or underscores
/// (<c>x10.0.0.1</c>), followed by a port (<c>10.0.0.1:5222</c>, <c>10.0.0.1.5222</c>), full and compressed IPv6
/// in any case, IPv4-mapped or embedded IPv6 (<c>::ffff:10.0.0.1</c>), zone ids (<c>fe80::1%eth0</c>,
/// <c>%25eth0</c> in URLs), bracketed (<c>[::1]:5222</c>, <c>http://[::1]:5222/</c>). It errs on the side of
/// scrubbing: four dotted numbers that could be an address are one.
/// </summary>
/// <remarks>
/// A single left-to-right scan, not a regular expression: each position is tried once as the start of an
/// address and every attempt reads a bounded stretch (a digit run is read by at most a handful of attempts),
/// so the time is linear in the length of the line whatever it holds.
/// </remarks>
public static class IpScrubber
{
    public const string Replacement = "[ip]";

    private static readonly SearchValues<char> Candidates = SearchValues.Create("0123456789:");

    public static string Scrub(string text)
    {
        if (text.Length < 2 || text.AsSpan().IndexOfAny(Candidates) < 0) return text;
        StringBuilder? scrubbed = null;
        var copied = 0;
        var i = 0;
        while (i < text.Length)
        {
            var end = StartsIpv6(text, i) ? Ipv6(text, i) : -1;
            if (end < 0 && StartsIpv4(text, i)) end = Ipv4(text, i);
            if (end < 0)
            {
                i++;
                continue;
            }
            scrubbed ??= new StringBuilder(text.Length);
            scrubbed.Append(text, copied, i - copied).Append(Replacement);
            i = copied = end;
        }
        return scrubbed is null ? text : scrubbed.Append(text, copied, text.Length - copied).ToString();
    }

    // An address does not start inside a run of hex digits, colons or dots (so "urn:x:2::urn" and times stay)
    // but may follow any other character, a letter or an underscore included.
    private static bool StartsIpv6(string s, int i) =>
        (char.IsAsciiHexDigit(s[i]) || s[i] == ':') && (i == 0 || !(char.IsAsciiHexDigit(s[i - 1]) || s[i - 1] is ':' or '.'));

    private static bool StartsIpv4(string s, int i) => char.IsAsciiDigit(s[i]) && (i == 0 || !char.IsAsciiDigit(s[i - 1]));

    /// <summary>The end of the longest IPv6 address (with its zone id) starting at <paramref name="start"/>, or -1.</summary>
    private static int Ipv6(string s, int start)
    {
        var p = start;
        var groups = 0;
        var compressed = false;
        var best = -1;
        if (At(s, p, ':'))
        {
            if (!At(s, p + 1, ':')) return -1;
            compressed = true;
            p += 2;
            best = p; // "::"
        }
        while (true)
        {
            var digits = HexDigits(s, p, 5);
            if (digits == 0) break;
            // The last 32 bits as an IPv4 address: two groups' worth.
            if (At(s, p + digits, '.') && (compressed ? groups <= 5 : groups == 6) && Ipv4(s, p) is var v4 and > 0)
            {
                best = v4;
                break;
            }
            if (digits > 4) break;
            p += digits;
            groups++;
            if (compressed || groups == 8) best = p;
            if (groups == 8 || !At(s, p, ':')) break;
            if (At(s, p + 1, ':'))
            {
                if (compressed) break;
                compressed = true;
                p += 2;
                best = p;
            }
            else
            {
                p++;
            }
        }
        if (best < 0) return -1;
        // A zone id: "%eth0", or "%25eth0" inside a URL (RFC 6874).
        if (At(s, best, '%'))
        {
            var zone = best + 1;
            while (zone < s.Length && (char.IsAsciiLetterOrDigit(s[zone]) || s[zone] is '.' or '_' or '~' or '-')) zone++;
            while (s[zone - 1] == '.') zone--; // the end of a sentence
            if (zone > best + 1) best = zone;
        }
        return best;
    }

    /// <summary>The end of the dotted IPv4 address starting at <paramref name="start"/>, or -1.</summary>
    private static int Ipv4(string s, int start)
    {
        var p = start;
        for (var part = 0; part < 4; part++)
        {
            if (part > 0)
            {
                if (!At(s, p, '.')) return -1;
                p++;
            }
            p = Ipv4Part(s, p);
            if (p < 0) return -1;
        }
        return p;
    }

    /// <summary>
    /// The end of one part of a dotted IPv4 address at <paramref name="p"/> (0–255 as decimal with any leading
    /// zeros, as octal with a leading zero, or as hex after <c>0x</c>), or -1.
    /// </summary>
    private static int Ipv4Part(string s, int p)
    {
        if (p >= s.Length || !char.IsAsciiDigit(s[p])) return -1;
        if (s[p] == '0' && p + 1 < s.Length && s[p + 1] is 'x' or 'X')
        {
            var hex = HexDigits(s, p + 2, int.MaxValue);
            if (hex == 0) return -1;
            return Value(s.AsSpan(p + 2, hex), 16) <= 255 ? p + 2 + hex : -1;
        }
        var end = p;
        while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
        var digits = s.AsSpan(p, end - p);
        var valid = Value(digits, 10) <= 255
            || (digits.Length > 1 && digits[0] == '0' && digits.IndexOfAnyExcept("01234567") < 0 && Value(digits, 8) <= 255);
        return valid ? end : -1;
    }

    /// <summary>The value of <paramref name="digits"/> in <paramref name="radix"/>, or 256 when it is larger than 255.</summary>
    private static int Value(ReadOnlySpan<char> digits, int radix)
    {
        var value = 0;
        foreach (var c in digits)
        {
            value = value * radix + (char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
            if (value > 255) return 256;
        }
        return value;
    }

    private static int HexDigits(string s, int p, int max)
    {
        var n = 0;
        while (p + n < s.Length && n < max && char.IsAsciiHexDigit(s[p + n])) n++;
        return n;
    }

    private static bool At(string s, int p, char c) => p < s.Length && s[p] == c;
}
