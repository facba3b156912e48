using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace XmppPrivacy.Services.Notices;

/// <summary>
/// The words of the registration notice, and the parsing of the servers' own watcher notices. The
/// registrant's address never survives: the notice always says 127.0.0.1, whatever the server saw.
/// </summary>
public static partial class RegistrationText
{
    public const string Loopback = "127.0.0.1";
    private const int MaxNameLength = 64;

    /// <summary>The one notice admins get: <c>User alice just registered on example.org from 127.0.0.1</c>.</summary>
    public static string Notice(string username, string host) =>
        $"User {SafeName(username)} just registered on {SafeName(host)} from {Loopback}";

    /// <summary>
    /// A name fit to show: control and format characters (bidi overrides, zero-width characters, line
    /// breaks) removed, at most 64 characters. Markup is neutralised by marking the message unstyled.
    /// </summary>
    public static string SafeName(string name)
    {
        var text = new StringBuilder(Math.Min(name.Length, MaxNameLength));
        var kept = 0;
        var enumerator = StringInfo.GetTextElementEnumerator(name);
        while (enumerator.MoveNext())
        {
            var element = (string)enumerator.Current;
            var category = CharUnicodeInfo.GetUnicodeCategory(element, 0);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned || char.IsWhiteSpace(element[0]))
                continue;
            if (kept == MaxNameLength)
            {
                text.Append('…');
                break;
            }
            text.Append(element);
            kept++;
        }
        return text.Length == 0 ? "(unnamed)" : text.ToString();
    }

    /// <summary>
    /// Reads a watcher notice from Prosody's mod_watchregistrations (default template) or ejabberd's
    /// registration_watchers and returns who registered where; the address in it is never returned.
    /// </summary>
    public static (string User, string Host)? ParseWatcherNotice(string body)
    {
        var prosody = ProsodyNotice().Match(body);
        if (prosody.Success) return (prosody.Groups["user"].Value, prosody.Groups["host"].Value);
        var ejabberd = EjabberdNotice().Match(body);
        if (ejabberd.Success) return (ejabberd.Groups["user"].Value, ejabberd.Groups["host"].Value);
        return null;
    }

    [GeneratedRegex(@"^User (?<user>[^\s@/]{1,1023}) just registered on (?<host>[^\s@/]{1,253}) from \S+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ProsodyNotice();

    [GeneratedRegex(@"The account (?<user>[^\s@/]{1,1023})@(?<host>[^\s@/]{1,253}) was registered from IP address \S+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex EjabberdNotice();
}
