using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Moderators and admins (XEP-0045 §8, §9): roles by nickname (kick is role none, voice is participant) and
/// affiliations by bare JID (ban is outcast), and the lists of affiliations.
/// </summary>
public sealed partial class RoomsService
{
    private const int MaxAdminItems = 50;

    private async ValueTask<IqReply> AdminGetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (RoomJid(request.To) is not { } roomJid || request.To.Resource is not null || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        Release(room);
        var asker = room.AffiliationOf(request.From);
        var item = request.Payload.Elements(MucNs.Admin + "item").FirstOrDefault();
        if (item is null) return StanzaError.BadRequest("Ask for a list by affiliation or role.");
        if (Room.TryParse((string?)item.Attribute("affiliation"), out Affiliation affiliation) && affiliation != Affiliation.None)
        {
            if (asker < Affiliation.Admin) return StanzaError.Forbidden("Only admins and owners may see the room's lists.");
            return IqReply.Ok(new XElement(MucNs.Admin + "query", room.Affiliations.Where(a => a.Value == affiliation).OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => new XElement(MucNs.Admin + "item", new XAttribute("affiliation", Room.Name(a.Value)), new XAttribute("jid", a.Key)))));
        }
        if (Room.TryParse((string?)item.Attribute("role"), out Role role) && role != Role.None)
        {
            if (room.OccupantBySession(request.From)?.Role != Role.Moderator) return StanzaError.Forbidden("Only moderators may see the roles.");
            return IqReply.Ok(new XElement(MucNs.Admin + "query", room.Occupants.Values.Where(o => o.Role == role).Select(o =>
                new XElement(MucNs.Admin + "item", new XAttribute("nick", o.Nick), new XAttribute("role", Room.Name(o.Role)),
                    new XAttribute("affiliation", Room.Name(room.AffiliationOf(o.BareJid)))))));
        }
        return StanzaError.BadRequest("Ask for a list by affiliation (owner, admin, member, outcast) or role (moderator, participant, visitor).");
    }

    private async ValueTask<IqReply> AdminSetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (RoomJid(request.To) is not { } roomJid || request.To.Resource is not null || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        Release(room);
        var items = request.Payload.Elements(MucNs.Admin + "item").Take(MaxAdminItems + 1).ToList();
        if (items.Count is 0 or > MaxAdminItems) return StanzaError.BadRequest($"Send 1 to {MaxAdminItems} items.");
        foreach (var item in items)
        {
            var reason = item.Element(MucNs.Admin + "reason")?.Value is { } text ? Truncate(text, 1024) : null;
            StanzaError? error;
            if (item.Attribute("affiliation") is not null)
            {
                if (!Room.TryParse((string?)item.Attribute("affiliation"), out Affiliation affiliation)
                    || !Jid.TryParse((string?)item.Attribute("jid"), out var jid))
                    return StanzaError.BadRequest("An affiliation item names an affiliation and a JID.");
                error = await SetAffiliationAsync(room, request.From, jid.Bare, affiliation, reason, request.Outbound, cancellationToken);
            }
            else if (item.Attribute("role") is not null)
            {
                if (!Room.TryParse((string?)item.Attribute("role"), out Role role) || (string?)item.Attribute("nick") is not { } nick)
                    return StanzaError.BadRequest("A role item names a role and a nickname.");
                error = await SetRoleAsync(room, request.From, nick, role, reason, request.Outbound, cancellationToken);
            }
            else return StanzaError.BadRequest("Each item changes an affiliation or a role.");
            if (error is not null) return error;
        }
        return IqReply.Empty;
    }

    private async Task<StanzaError?> SetRoleAsync(Room room, Jid from, string nick, Role role, string? reason, Streams.IOutbound outbound,
        CancellationToken cancellationToken)
    {
        var actor = room.OccupantBySession(from);
        var actorAffiliation = room.AffiliationOf(from);
        if (actor?.Role != Role.Moderator) return StanzaError.Forbidden("Only moderators may change roles.");
        if (RoomNames.Nick(nick, options.MaxNickLength) is not { } shown || room.OccupantByNick(shown) is not { } target)
            return StanzaError.ItemNotFound("There is no occupant with this nickname.");
        var targetAffiliation = room.AffiliationOf(target.BareJid);
        if (role == Role.Moderator && actorAffiliation < Affiliation.Admin) return StanzaError.Forbidden("Only admins and owners may make moderators.");
        if (targetAffiliation >= Affiliation.Admin && role != Role.Moderator)
            return new StanzaError("cancel", "not-allowed", "Admins and owners keep their moderator role.");
        if (target.Role == Role.Moderator && role != Role.Moderator && actorAffiliation < Affiliation.Admin)
            return new StanzaError("cancel", "not-allowed", "Only admins and owners may take a moderator's role.");
        if (role == Role.None)
        {
            await RemoveOccupantAsync(room, target, outbound, 307, reason, cancellationToken);
            return null;
        }
        target.Role = role;
        await BroadcastPresenceAsync(room, target, outbound, reason, cancellationToken);
        return null;
    }

    private async Task<StanzaError?> SetAffiliationAsync(Room room, Jid from, Jid jid, Affiliation affiliation, string? reason, Streams.IOutbound outbound,
        CancellationToken cancellationToken)
    {
        var actor = room.AffiliationOf(from);
        var current = room.AffiliationOf(jid);
        if (actor < Affiliation.Admin) return StanzaError.Forbidden("Only admins and owners may change affiliations.");
        if (actor == Affiliation.Admin && (current >= Affiliation.Admin || affiliation >= Affiliation.Admin))
            return StanzaError.Forbidden("Only owners may change the affiliations of admins and owners.");
        if (current == Affiliation.Owner && affiliation != Affiliation.Owner
            && room.Affiliations.Count(a => a.Value == Affiliation.Owner) == 1)
            return new StanzaError("cancel", "conflict", "A room keeps at least one owner.");
        room.SetAffiliation(jid.BareKey, affiliation);
        await store.SetAffiliationAsync(room.Jid, jid.BareKey, affiliation, cancellationToken);
        foreach (var occupant in room.Occupants.Values.Where(o => o.BareJid.BareKey == jid.BareKey).ToList())
        {
            if (affiliation == Affiliation.Outcast)
                await RemoveOccupantAsync(room, occupant, outbound, 301, reason, cancellationToken);
            else if (affiliation == Affiliation.None && room.Config.MembersOnly)
                await RemoveOccupantAsync(room, occupant, outbound, 321, reason, cancellationToken);
            else
            {
                occupant.Role = room.DefaultRole(affiliation);
                await BroadcastPresenceAsync(room, occupant, outbound, reason, cancellationToken);
            }
        }
        return null;
    }

    private async Task BroadcastPresenceAsync(Room room, Occupant occupant, Streams.IOutbound outbound, string? reason, CancellationToken cancellationToken) =>
        await SendToAllAsync(room, outbound, (viewer, to) =>
        {
            var presence = RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer) || viewer == occupant, codes: viewer == occupant ? [110] : null);
            if (reason is not null) presence.Element(MucNs.User + "x")!.Element(MucNs.User + "item")!.Add(new XElement(MucNs.User + "reason", reason));
            return presence;
        }, cancellationToken);

    /// <summary>Removes an occupant with all its sessions: kicked (307), banned (301), no longer a member (321), or the room became members-only (322).</summary>
    private async Task RemoveOccupantAsync(Room room, Occupant occupant, Streams.IOutbound outbound, int code, string? reason, CancellationToken cancellationToken)
    {
        await SendToAllAsync(room, outbound, (viewer, to) =>
        {
            var presence = RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer) || viewer == occupant, "unavailable",
                viewer == occupant ? [110, code] : [code]);
            if (reason is not null) presence.Element(MucNs.User + "x")!.Element(MucNs.User + "item")!.Add(new XElement(MucNs.User + "reason", reason));
            return presence;
        }, cancellationToken);
        room.Occupants.Remove(RoomNames.NickKey(occupant.Nick));
        if (room.Occupants.Count == 0)
        {
            Unload(room);
            if (!room.Config.Persistent) await store.DeleteAsync(room.Jid, cancellationToken);
        }
    }
}
