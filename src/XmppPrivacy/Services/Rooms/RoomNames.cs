using System.Globalization;
using System.Text;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// How room names and nicknames are compared, so two spellings of one room are one room with one history,
/// and two spellings of one nickname are one nickname. Servers apply stringprep to the JIDs they route (nodeprep:
/// NFKC and case folding for the local part; resourceprep: NFKC for the resource), and so does the component,
/// whatever the server did: room names as nodeprep does (case folded, NFKC), nicknames as resourceprep does (NFKC,
/// which also maps full-width letters and the ideographic space), compared case-insensitively. The component runs
/// with invariant globalization (no ICU), where <see cref="string.Normalize()"/> leaves non-ASCII text unchanged, so
/// NFKC is its own (<see cref="Nfkc"/>). Nicknames follow the PRECIS nickname profile (RFC 8266) in spirit: spaces
/// mapped and collapsed; characters that could make a nickname pass for someone else's (invisible,
/// direction-changing, control or unassigned characters) are refused rather than removed.
/// </summary>
public static class RoomNames
{
    /// <summary>The longest room name (local part), in characters.</summary>
    public const int MaxRoomLength = 256;

    /// <summary>The key a room is stored and found under: its local part case folded and in NFKC; null when not acceptable.</summary>
    public static string? RoomKey(string? local)
    {
        if (string.IsNullOrEmpty(local) || local.Length > MaxRoomLength * 4 || !IsWellFormed(local)) return null;
        var normal = Nfkc.Normalize(Nfkc.Normalize(local.ToLowerInvariant()).ToLowerInvariant());
        if (normal.Length is 0 or > MaxRoomLength) return null;
        foreach (var rune in normal.EnumerateRunes())
            if (Refused(rune) || Rune.IsWhiteSpace(rune) || rune.Value is '@' or '/' or '"' or '&' or '\'' or ':' or '<' or '>')
                return null;
        return normal;
    }

    /// <summary>
    /// The nickname as the room shows it (in NFKC, spaces mapped to one ASCII space each and trimmed), or null
    /// when it is empty, longer than <paramref name="maxLength"/> characters, or holds a refused character.
    /// </summary>
    public static string? Nick(string? requested, int maxLength)
    {
        if (string.IsNullOrEmpty(requested) || requested.Length > maxLength * 4 || !IsWellFormed(requested)) return null;
        requested = Nfkc.Normalize(requested);
        var mapped = new StringBuilder(requested.Length);
        foreach (var rune in requested.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                if (rune.Value is not (' ' or '\u00a0' or '\u1680' or (>= '\u2000' and <= '\u200a') or '\u202f' or '\u205f' or '\u3000'))
                    return null; // tabs, line breaks and the like
                if (mapped.Length > 0 && mapped[^1] != ' ') mapped.Append(' ');
                continue;
            }
            if (Refused(rune)) return null;
            mapped.Append(rune.ToString());
        }
        var nick = mapped.ToString().TrimEnd(' ');
        if (nick.Length == 0 || nick.Length > maxLength) return null;
        foreach (var rune in nick.EnumerateRunes())
            if (Refused(rune)) return null;
        return nick;
    }

    /// <summary>The key two nicknames are compared by: the shown nickname lower-cased.</summary>
    public static string NickKey(string nick) => nick.ToLowerInvariant();

    /// <summary>Control, format (invisible and bidirectional controls), private-use, surrogate and unassigned characters, and the invisible Hangul fillers.</summary>
    private static bool Refused(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
            or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
        || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0x034F or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF);

    /// <summary>False for text with an unpaired surrogate.</summary>
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }
}
