using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>The presences and messages a room sends, built from its state (XEP-0045 §7.2, XEP-0421). Pure, no I/O.</summary>
public static class RoomPresences
{
    /// <summary>
    /// The presence of <paramref name="occupant"/> as <paramref name="viewer"/>'s session <paramref name="to"/> sees it:
    /// what the occupant's client last said (show, status, caps) with the room's item (affiliation, role, and the
    /// real JID only where the viewer may see it), status codes and the occupant-id.
    /// </summary>
    public static XElement Of(Room room, Occupant occupant, string to, bool showJid, string? type = null,
        IEnumerable<int>? codes = null, string? newNick = null, XElement? basis = null)
    {
        basis ??= occupant.Sessions.Values.FirstOrDefault();
        var presence = new XElement(Ns.Component + "presence",
            new XAttribute("from", Address(room, occupant.Nick)), new XAttribute("to", to),
            type is null ? null : new XAttribute("type", type));
        if (type is null && basis is not null)
            presence.Add(basis.Elements().Where(e => e.Name.Namespace != MucNs.Muc && e.Name.Namespace != MucNs.User
                && e.Name.Namespace != MucNs.OccupantId && e.Name.LocalName != "error").Select(e => new XElement(e)));
        var affiliation = room.AffiliationOf(occupant.BareJid);
        var item = new XElement(MucNs.User + "item",
            new XAttribute("affiliation", Room.Name(affiliation)),
            new XAttribute("role", Room.Name(type == "unavailable" ? Role.None : occupant.Role)),
            showJid && occupant.Sessions.Keys.FirstOrDefault() is { } real ? new XAttribute("jid", real) : null,
            newNick is null ? null : new XAttribute("nick", newNick));
        presence.Add(new XElement(MucNs.User + "x", item, (codes ?? []).Select(c => new XElement(MucNs.User + "status", new XAttribute("code", c)))));
        presence.Add(new XElement(MucNs.OccupantId + "occupant-id", new XAttribute("id", occupant.OccupantId)));
        return presence;
    }

    /// <summary>The subject, sent last on entry (after the history) and on every change.</summary>
    public static XElement Subject(Room room, string to) =>
        Stanza.Message("groupchat", room.SubjectNick is { } nick ? Address(room, nick) : room.Jid.ToString(), to, null,
            new XElement(Ns.Component + "subject", room.Subject ?? ""));

    /// <summary>A stored message as history on entry: addressed to the session, with an XEP-0203 delay stamp by the room.</summary>
    public static XElement History(Room room, RoomMessage message, string to)
    {
        var copy = new XElement(message.Message);
        copy.SetAttributeValue("to", to);
        copy.Add(new XElement(MucNs.Delay + "delay",
            new XAttribute("from", room.Jid.ToString()), new XAttribute("stamp", Archive.XmppDateTime.Format(message.Timestamp))));
        return copy;
    }

    /// <summary>The occupant's JID in the room: <c>room@host/nick</c>.</summary>
    public static string Address(Room room, string nick) => room.Jid + "/" + nick;
}
