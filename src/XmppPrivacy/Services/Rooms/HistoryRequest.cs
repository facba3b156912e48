using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Services.Archive;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// The <c>&lt;history/&gt;</c> limits of an entry (XEP-0045 §7.2.15): at most <c>maxstanzas</c> messages, at most
/// <c>maxchars</c> characters of XML, none older than <c>seconds</c> or than <c>since</c>. A limit that cannot be read is
/// no limit; the room never sends more than it keeps anyway.
/// </summary>
public sealed record HistoryRequest(int? MaxStanzas, int? MaxChars, int? Seconds, DateTimeOffset? Since)
{
    public static HistoryRequest Parse(XElement? history)
    {
        if (history is null) return new HistoryRequest(null, null, null, null);
        return new HistoryRequest(Count(history, "maxstanzas"), Count(history, "maxchars"), Count(history, "seconds"),
            XmppDateTime.TryParse((string?)history.Attribute("since"), out var since) ? since : null);
    }

    /// <summary>The messages to send, oldest first, each addressed to <paramref name="to"/> with its delay stamp.</summary>
    public IEnumerable<XElement> Select(Room room, IReadOnlyList<RoomMessage> kept, string to, DateTimeOffset now)
    {
        var chosen = new List<XElement>();
        var chars = 0L;
        for (var i = kept.Count - 1; i >= 0; i--)
        {
            if (MaxStanzas is { } max && chosen.Count >= max) break;
            var message = kept[i];
            if (Seconds is { } seconds && message.Timestamp < now - TimeSpan.FromSeconds(seconds)) break;
            if (Since is { } since && message.Timestamp <= since) break;
            var stanza = RoomPresences.History(room, message, to);
            chars += stanza.ToString(SaveOptions.DisableFormatting).Length;
            if (MaxChars is { } maxChars && chars > maxChars) break;
            chosen.Add(stanza);
        }
        chosen.Reverse();
        return chosen;
    }

    private static int? Count(XElement history, string name) =>
        int.TryParse((string?)history.Attribute(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
