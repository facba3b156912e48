using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>Entering, changing presence or nickname, and leaving (XEP-0045 §7.2, §7.6, §7.14).</summary>
public sealed partial class RoomsService
{
    private async ValueTask<StanzaError?> AvailableAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (request.From.Resource is null) return StanzaError.BadRequest("Rooms are entered from a client session.");
        if (RoomJid(request.To) is not { } roomJid) return JidMalformed("This is not an acceptable room name.");
        if (request.To.Resource is null) return JidMalformed("Enter a room as room@service/nickname.");
        if (RoomNames.Nick(request.To.Resource, options.MaxNickLength) is not { } nick)
            return StanzaError.NotAcceptable($"Nicknames are 1 to {options.MaxNickLength} characters without invisible, control or direction-changing characters.");
        var room = await FindAsync(roomJid, cancellationToken, request.Outbound);
        var occupant = room?.OccupantBySession(request.From);
        if (room is not null && occupant is not null)
            return RoomNames.NickKey(nick) == RoomNames.NickKey(occupant.Nick) && nick == occupant.Nick
                ? await PresenceUpdateAsync(room, occupant, request, cancellationToken)
                : await NickChangeAsync(room, occupant, nick, request, cancellationToken);
        return await JoinAsync(room, roomJid, nick, request, cancellationToken);
    }

    private async ValueTask<StanzaError?> JoinAsync(Room? room, Jid roomJid, string nick, StanzaRequest request, CancellationToken cancellationToken)
    {
        var created = false;
        if (room is null)
        {
            // An instant room (XEP-0045 §10.1.2): whoever enters a room that does not exist creates it and owns it.
            if (await store.OwnedRoomsAsync(request.From.BareKey, cancellationToken) >= options.MaxRoomsPerAccount)
                return StanzaError.ResourceConstraint($"You own {options.MaxRoomsPerAccount} rooms already; destroy one before creating another.");
            room = new Room(roomJid, new RoomConfig { Persistent = options.DefaultPersistent, HistoryLength = options.HistoryLength });
            room.Affiliations[request.From.BareKey] = Affiliation.Owner;
            if (options.LockNewRooms) Lock(room);
            await store.SaveAsync(room, cancellationToken);
            await store.SetAffiliationAsync(roomJid, request.From.BareKey, Affiliation.Owner, cancellationToken);
            Keep(room);
            created = true;
            metrics.Increment("xmppprivacy_rooms_created_total");
            LogCreated(logger);
        }
        if (!created && room.LockedUntil is not null)
        {
            // Prosody's answer while the creator has not configured the room yet: as if it did not exist.
            Release(room);
            return StanzaError.ItemNotFound("This room is being created; try again in a moment.");
        }
        var affiliation = room.AffiliationOf(request.From);
        var muc = request.Stanza.Element(MucNs.Muc + "x");
        var refused = affiliation switch
        {
            Affiliation.Outcast => new StanzaError("auth", "forbidden", "You are banned from this room."),
            Affiliation.None when room.Config.MembersOnly => new StanzaError("auth", "registration-required", "This room is for members only."),
            _ when room.Config.Password is { } password && (string?)muc?.Element(MucNs.Muc + "password") != password =>
                new StanzaError("auth", "not-authorized", "This room needs the right password."),
            _ => null,
        };
        var existing = room.OccupantByNick(nick);
        if (refused is null && existing is not null && existing.BareJid.BareKey != request.From.BareKey)
            refused = new StanzaError("cancel", "conflict", "This nickname is taken in this room.");
        if (refused is null && room.ReservedBy(nick) is { } holder && holder != request.From.BareKey)
            refused = new StanzaError("cancel", "conflict", "This nickname is reserved by someone else in this room.");
        if (refused is not null)
        {
            Release(room);
            return refused;
        }
        var session = request.From.ToString();
        var basis = new XElement(request.Stanza);
        if (existing is not null)
        {
            // Another client of the same account under the same nickname: one occupant, one more session.
            existing.Sessions[session] = basis;
            await SendEntryAsync(room, existing, session, nick != request.To.Resource, created, muc, request, cancellationToken);
            return null;
        }
        var occupant = new Occupant(nick, request.From.Bare, await OccupantIdAsync(room, request.From, cancellationToken))
        {
            Role = room.DefaultRole(affiliation),
        };
        occupant.Sessions[session] = basis;
        room.Occupants[RoomNames.NickKey(nick)] = occupant;
        await SendToAllAsync(room, request.Outbound, (viewer, to) => viewer == occupant ? null
            : RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer)), cancellationToken);
        await SendEntryAsync(room, occupant, session, nick != request.To.Resource, created, muc, request, cancellationToken);
        metrics.Increment("xmppprivacy_rooms_joins_total");
        return null;
    }

    /// <summary>What a session gets on entering: the others' presences, its own last (110), the history, then the subject.</summary>
    private async Task SendEntryAsync(Room room, Occupant occupant, string session, bool nickChanged, bool created, XElement? muc,
        StanzaRequest request, CancellationToken cancellationToken)
    {
        foreach (var other in room.Occupants.Values.Where(o => o != occupant).ToList())
            await request.Outbound.SendAsync(RoomPresences.Of(room, other, session, room.ShowsRealJids(occupant)), cancellationToken);
        List<int> codes = [110];
        if (room.Config.WhoisAnyone) codes.Add(100);
        if (created) codes.Add(201);
        if (nickChanged) codes.Add(210);
        await request.Outbound.SendAsync(RoomPresences.Of(room, occupant, session, showJid: true, codes: codes.Order()), cancellationToken);
        var history = await store.HistoryAsync(room.Jid, room.Config.HistoryLength, cancellationToken);
        foreach (var message in HistoryRequest.Parse(muc?.Element(MucNs.Muc + "history")).Select(room, history, session, time.GetUtcNow()))
            await request.Outbound.SendAsync(message, cancellationToken);
        await request.Outbound.SendAsync(RoomPresences.Subject(room, session), cancellationToken);
    }

    private async ValueTask<StanzaError?> PresenceUpdateAsync(Room room, Occupant occupant, StanzaRequest request, CancellationToken cancellationToken)
    {
        occupant.Sessions[request.From.ToString()] = new XElement(request.Stanza);
        await SendToAllAsync(room, request.Outbound, (viewer, to) =>
            RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer) || viewer == occupant, codes: viewer == occupant ? [110] : null,
                basis: request.Stanza), cancellationToken);
        return null;
    }

    private async ValueTask<StanzaError?> NickChangeAsync(Room room, Occupant occupant, string nick, StanzaRequest request, CancellationToken cancellationToken)
    {
        var taken = room.OccupantByNick(nick);
        if (taken is not null && taken != occupant) return new StanzaError("cancel", "conflict", "This nickname is taken in this room.");
        if (room.ReservedBy(nick) is { } holder && holder != occupant.BareJid.BareKey)
            return new StanzaError("cancel", "conflict", "This nickname is reserved by someone else in this room.");
        if (occupant.Sessions.Count > 1)
            return StanzaError.NotAcceptable("Change the nickname from one client at a time: leave with the others first.");
        // 303: the old nickname leaves with the new one named, then the new one is available (XEP-0045 §7.6).
        await SendToAllAsync(room, request.Outbound, (viewer, to) =>
            RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer) || viewer == occupant, "unavailable",
                viewer == occupant ? [110, 303] : [303], newNick: nick), cancellationToken);
        room.Occupants.Remove(RoomNames.NickKey(occupant.Nick));
        occupant.Nick = nick;
        room.Occupants[RoomNames.NickKey(nick)] = occupant;
        occupant.Sessions[request.From.ToString()] = new XElement(request.Stanza);
        var modified = nick != request.To.Resource;
        await SendToAllAsync(room, request.Outbound, (viewer, to) =>
            RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer) || viewer == occupant,
                codes: viewer == occupant ? (modified ? [110, 210] : [110]) : null), cancellationToken);
        return null;
    }

    private async ValueTask<StanzaError?> UnavailableAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room) return null;
        if (room.OccupantBySession(request.From) is not { } occupant)
        {
            Release(room);
            return null;
        }
        await RemoveSessionAsync(room, occupant, request.From.ToString(), request.Outbound, [], request.Stanza, cancellationToken);
        return null;
    }

    /// <summary>
    /// An error bounced by an occupant's server (its client or server went away): the session is removed, and the
    /// others learn it left for a technical reason (333), so a vanished client does not stay in the room.
    /// </summary>
    private async ValueTask<StanzaError?> BouncedAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        var condition = request.Stanza.Element(Ns.Component + "error")?.Elements().FirstOrDefault(e => e.Name.Namespace == Ns.Stanzas)?.Name.LocalName;
        if (condition is not ("gone" or "item-not-found" or "recipient-unavailable" or "redirect" or "remote-server-not-found"
            or "remote-server-timeout" or "service-unavailable" or "undefined-condition")) return null;
        // A private message refused by its recipient's client is no reason to remove anyone.
        if (request.Stanza.Kind() == "message" && request.To.Resource is not null) return null;
        if (RoomJid(request.To) is not { } roomJid) return null;
        Room? room;
        lock (_rooms) room = _rooms.GetValueOrDefault(roomJid.ToString());
        if (room?.OccupantBySession(request.From) is not { } occupant) return null;
        LogBounced(logger);
        await RemoveSessionAsync(room, occupant, request.From.ToString(), request.Outbound, [333], null, cancellationToken);
        return null;
    }

    /// <summary>Removes one session; the occupant leaves with its last one, and the room ends or unloads with its last occupant.</summary>
    private async Task RemoveSessionAsync(Room room, Occupant occupant, string session, Streams.IOutbound outbound, int[] codes,
        XElement? leaving, CancellationToken cancellationToken)
    {
        var status = leaving?.Element(Ns.Component + "status");
        var self = RoomPresences.Of(room, occupant, session, showJid: true, "unavailable", [110, .. codes]);
        if (status is not null) self.AddFirst(new XElement(status));
        occupant.Sessions.Remove(session);
        if (codes.Length == 0 || !codes.Contains(333)) await outbound.SendAsync(self, cancellationToken);
        if (occupant.Sessions.Count == 0)
        {
            room.Occupants.Remove(RoomNames.NickKey(occupant.Nick));
            await SendToAllAsync(room, outbound, (viewer, to) =>
            {
                var presence = RoomPresences.Of(room, occupant, to, room.ShowsRealJids(viewer), "unavailable", codes);
                if (status is not null) presence.AddFirst(new XElement(status));
                return presence;
            }, cancellationToken);
        }
        if (room.Occupants.Count > 0) return;
        // A room its creator leaves before configuring it was never wanted: it goes like a temporary room.
        if (room.Config.Persistent && room.LockedUntil is null)
            Unload(room);
        else
        {
            Unload(room);
            await store.DeleteAsync(room.Jid, cancellationToken);
            LogDestroyed(logger);
        }
    }
}
