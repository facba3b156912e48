using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Mediated invitations (XEP-0045 §7.8.2): an occupant asks the room to invite someone, the room passes the
/// invitation on (with the password, if the room has one), and in a members-only room an admin's or owner's
/// invitation makes the invitee a member. A declined invitation goes back to the inviter.
/// </summary>
public sealed partial class RoomsService
{
    private const int MaxInvitations = 10;

    private async ValueTask<StanzaError?> NormalAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        var x = request.Stanza.Element(MucNs.User + "x");
        if (x is null || request.To.Resource is not null)
            return StanzaError.NotAcceptable("Send messages to a room as groupchat, or to an occupant as chat.");
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        Release(room);
        if (x.Element(MucNs.User + "decline") is { } decline) return await DeclineAsync(room, decline, request, cancellationToken);
        var invites = x.Elements(MucNs.User + "invite").Take(MaxInvitations + 1).ToList();
        if (invites.Count is 0 or > MaxInvitations) return StanzaError.BadRequest($"Send 1 to {MaxInvitations} invitations at a time.");
        if (room.OccupantBySession(request.From) is null) return StanzaError.NotAcceptable("Only occupants may invite people to this room.");
        var inviter = room.AffiliationOf(request.From);
        if (room.Config.MembersOnly && inviter < Affiliation.Admin)
            return StanzaError.Forbidden("Only admins and owners may invite people to this members-only room.");
        foreach (var invite in invites)
        {
            if (!Jid.TryParse((string?)invite.Attribute("to"), out var invitee) || invitee.Local is null)
                return StanzaError.BadRequest("An invitation names the invitee's JID in 'to'.");
            if (room.AffiliationOf(invitee) == Affiliation.Outcast) return StanzaError.Forbidden("This person is banned from the room.");
            if (room.Config.MembersOnly && room.AffiliationOf(invitee) == Affiliation.None)
            {
                room.Affiliations[invitee.BareKey] = Affiliation.Member;
                await store.SetAffiliationAsync(room.Jid, invitee.BareKey, Affiliation.Member, cancellationToken);
            }
            var reason = invite.Element(MucNs.User + "reason")?.Value;
            await request.Outbound.SendAsync(Stanza.Message(null, room.Jid.ToString(), invitee.ToString(), request.Stanza.Id(),
                new XElement(MucNs.User + "x",
                    new XElement(MucNs.User + "invite", new XAttribute("from", request.From.Bare.ToString()),
                        reason is null ? null : new XElement(MucNs.User + "reason", Truncate(reason, 1024))),
                    room.Config.Password is { } password ? new XElement(MucNs.User + "password", password) : null),
                new XElement(XNamespace.Get("jabber:x:conference") + "x", new XAttribute("jid", room.Jid.ToString()))), cancellationToken);
        }
        return null;
    }

    private static async ValueTask<StanzaError?> DeclineAsync(Room room, XElement decline, StanzaRequest request, CancellationToken cancellationToken)
    {
        if (!Jid.TryParse((string?)decline.Attribute("to"), out var inviter) || inviter.Local is null)
            return StanzaError.BadRequest("A declined invitation names the inviter's JID in 'to'.");
        var reason = decline.Element(MucNs.User + "reason")?.Value;
        await request.Outbound.SendAsync(Stanza.Message(null, room.Jid.ToString(), inviter.ToString(), request.Stanza.Id(),
            new XElement(MucNs.User + "x", new XElement(MucNs.User + "decline", new XAttribute("from", request.From.Bare.ToString()),
                reason is null ? null : new XElement(MucNs.User + "reason", Truncate(reason, 1024))))), cancellationToken);
        return null;
    }
}
