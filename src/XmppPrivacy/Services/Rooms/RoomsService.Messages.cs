using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>Messages in a room (XEP-0045 §7.4, §7.5, §8.1): stamped, kept if they may be, and broadcast; private messages passed on, never kept.</summary>
public sealed partial class RoomsService
{
    private async ValueTask<StanzaError?> GroupchatAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (request.To.Resource is not null) return StanzaError.BadRequest("Groupchat messages go to the room, not to an occupant.");
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        if (room.OccupantBySession(request.From) is not { } sender)
        {
            Release(room);
            return StanzaError.NotAcceptable("Only occupants may send messages to this room.");
        }
        if (sender.Role == Role.Visitor) return StanzaError.Forbidden("Visitors may not speak in this moderated room.");
        if (!TryFlood(sender)) return StanzaError.ResourceConstraint("Too many messages in a short time; wait a moment.");
        var message = Stamped(room, sender, request.Stanza);
        var subject = request.Stanza.Element(Ns.Component + "subject");
        if (subject is not null && request.Stanza.Element(Ns.Component + "body") is null)
        {
            if (sender.Role != Role.Moderator) return StanzaError.Forbidden("Only moderators may change the subject.");
            room.Subject = subject.Value.Length == 0 ? null : subject.Value;
            room.SubjectNick = sender.Nick;
            await store.SaveAsync(room, cancellationToken);
        }
        else if (Storable(request.Stanza))
        {
            var id = (string)message.Element(MucNs.StanzaId + "stanza-id")!.Attribute("id")!;
            await store.AppendAsync(room.Jid, new RoomMessage(id, time.GetUtcNow(), message), room.Config.HistoryLength, cancellationToken);
            metrics.Increment("xmppprivacy_rooms_messages_kept_total");
        }
        metrics.Increment("xmppprivacy_rooms_messages_total");
        await SendToAllAsync(room, request.Outbound, (_, to) =>
        {
            var copy = new XElement(message);
            copy.SetAttributeValue("to", to);
            return copy;
        }, cancellationToken);
        return null;
    }

    private async ValueTask<StanzaError?> PrivateAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (request.To.Resource is null) return StanzaError.NotAcceptable("Send messages to a room as groupchat, or to an occupant as chat.");
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        var sender = room.OccupantBySession(request.From);
        var recipient = RoomNames.Nick(request.To.Resource, options.MaxNickLength) is { } nick ? room.OccupantByNick(nick) : null;
        Release(room);
        if (sender is null) return StanzaError.NotAcceptable("Only occupants may send private messages in this room.");
        if (recipient is null) return StanzaError.ItemNotFound("There is no occupant with this nickname.");
        if (!TryFlood(sender)) return StanzaError.ResourceConstraint("Too many messages in a short time; wait a moment.");
        // Passed on from the sender's occupant JID, never with a real JID, and never stored.
        var message = new XElement(request.Stanza);
        Strip(room, message);
        message.SetAttributeValue("from", RoomPresences.Address(room, sender.Nick));
        if (message.Element(MucNs.User + "x") is null) message.Add(new XElement(MucNs.User + "x"));
        message.Add(new XElement(MucNs.OccupantId + "occupant-id", new XAttribute("id", sender.OccupantId)));
        foreach (var session in recipient.Sessions.Keys.ToList())
        {
            var copy = new XElement(message);
            copy.SetAttributeValue("to", session);
            await request.Outbound.SendAsync(copy, cancellationToken);
        }
        return null;
    }

    /// <summary>
    /// The message as the room broadcasts it: from the sender's occupant JID, without any stanza-id claiming the
    /// room, occupant-id or room delay the client put in, with the room's own stanza-id and the occupant-id.
    /// </summary>
    private static XElement Stamped(Room room, Occupant sender, XElement stanza)
    {
        var message = new XElement(stanza);
        Strip(room, message);
        message.SetAttributeValue("to", null);
        message.SetAttributeValue("from", RoomPresences.Address(room, sender.Nick));
        message.Add(new XElement(MucNs.StanzaId + "stanza-id", new XAttribute("id", ArchiveStore.NewId()), new XAttribute("by", room.Jid.ToString())));
        message.Add(new XElement(MucNs.OccupantId + "occupant-id", new XAttribute("id", sender.OccupantId)));
        return message;
    }

    /// <summary>Removes what only the room may say: stanza-ids by the room, occupant-ids, delays and MUC items from clients.</summary>
    private static void Strip(Room room, XElement message)
    {
        var roomText = room.Jid.ToString();
        message.Elements().Where(e =>
            e.Name == MucNs.OccupantId + "occupant-id"
            || (e.Name == MucNs.StanzaId + "stanza-id" && Claims(e, roomText))
            || (e.Name == MucNs.Delay + "delay" && Claims(e, roomText))
            || e.Name == MucNs.User + "x" && e.Elements().Any(c => c.Name.LocalName is "item" or "status")).Remove();
        static bool Claims(XElement element, string room) =>
            Jid.TryParse((string?)element.Attribute("by") ?? (string?)element.Attribute("from"), out var by)
            && (by.Bare.BareKey == room || RoomNames.RoomKey(by.Local) is { } key && key + "@" + by.Domain == room);
    }

    /// <summary>Whether a groupchat message may be kept: it has a body and does not ask not to be stored (XEP-0334).</summary>
    public static bool Storable(XElement message) =>
        message.Elements(Ns.Component + "body").Any(b => b.Value.Length > 0)
        && message.Element(MucNs.Hints + "no-store") is null
        && message.Element(MucNs.Hints + "no-permanent-store") is null;

    /// <summary>Ten messages a second at most, on average, with a burst of twenty; beyond that, <c>resource-constraint</c>.</summary>
    private bool TryFlood(Occupant occupant)
    {
        const double rate = 10, burst = 20;
        var now = time.GetUtcNow();
        occupant.RateTokens = double.IsNaN(occupant.RateTokens) ? burst
            : Math.Min(burst, occupant.RateTokens + (now - occupant.RateStamp).TotalSeconds * rate);
        occupant.RateStamp = now;
        if (occupant.RateTokens < 1) return false;
        occupant.RateTokens--;
        return true;
    }
}
