using System.Globalization;
using System.Text.RegularExpressions;

namespace XmppPrivacy.Services.Archive;

/// <summary>XEP-0082 date-times (<c>CCYY-MM-DDThh:mm:ss[.sss]TZD</c>), exact to the millisecond.</summary>
public static partial class XmppDateTime
{
    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    /// <summary>Parses a XEP-0082 date-time with its zone; anything else (a 13th month, no zone, ...) is false.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || text.Length > 64) return false;
        var match = Shape().Match(text);
        if (!match.Success) return false;
        var fraction = (match.Groups[3].Value + "000")[..3];
        var zone = match.Groups[4].Value == "Z" ? "+00:00" : match.Groups[4].Value;
        return DateTimeOffset.TryParseExact($"{match.Groups[1].Value}T{match.Groups[2].Value}.{fraction}{zone}",
            "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    /// <summary>Formats as UTC with milliseconds, e.g. <c>2026-11-23T10:00:00.123Z</c>.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
