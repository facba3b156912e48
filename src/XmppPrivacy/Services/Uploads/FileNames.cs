using System.Globalization;
using System.Text;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// What a client's file name may become: a display name for <c>Content-Disposition</c> (RFC 6266, RFC 5987
/// <c>filename*</c>) and, if the operator asks, a URL suffix. It never names anything on disk: files are stored
/// by random id.
/// </summary>
public static class FileNames
{
    /// <summary>Longer names are refused (a name is for people; 255 bytes is what file systems keep).</summary>
    public const int MaxLength = 255;

    /// <summary>
    /// The last path segment of <paramref name="name"/> without control and bidirectional formatting characters
    /// (a right-to-left override would disguise <c>gpj.exe</c>), leading dots and surrounding spaces; null when
    /// nothing is left or the name is too long.
    /// </summary>
    public static string? Sanitise(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 4 * MaxLength) return null;
        var last = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var text = new StringBuilder(last.Length);
        foreach (var rune in last.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator) continue;
            text.Append(rune.ToString());
        }
        var clean = text.ToString().Trim().TrimStart('.').Trim();
        if (clean.Length == 0) return null;
        return Encoding.UTF8.GetByteCount(clean) > MaxLength ? null : clean;
    }

    /// <summary>The RFC 5987 <c>ext-value</c>: <c>UTF-8''</c> and the name's UTF-8 bytes, all but unreserved ones percent-encoded.</summary>
    public static string ExtValue(string name) => "UTF-8''" + PercentEncode(name);

    /// <summary>A URL path segment of the name: unreserved characters kept, every other byte percent-encoded.</summary>
    public static string PercentEncode(string name)
    {
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                text.Append((char)b);
            else
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>
    /// The <c>Content-Disposition</c> of a download: <c>inline</c> only for <paramref name="inline"/>, the name only
    /// as <c>filename*</c> (no quoted <c>filename</c> a client could misread).
    /// </summary>
    public static string ContentDisposition(string name, bool inline) =>
        (inline ? "inline" : "attachment") + "; filename*=" + ExtValue(name);
}
