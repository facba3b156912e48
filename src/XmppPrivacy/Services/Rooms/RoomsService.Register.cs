using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Registering with a room (XEP-0045 §7.10, XEP-0077 in a room): an account reserves a nickname, which nobody else may
/// enter with or change to (409), and becomes a member; <c>&lt;remove/&gt;</c> gives both up. The reservation lives on
/// the account's affiliation, so it ends with it (none, outcast, account deletion). The reserved nickname is found with
/// disco#info on the node <c>x-roomuser-item</c> (§7.12).
/// </summary>
public sealed partial class RoomsService
{
    public const string RegisterForm = "http://jabber.org/protocol/muc#register";
    public const string RoomNickField = "muc#register_roomnick";
    public const string ReservedNickNode = "x-roomuser-item";

    private async ValueTask<IqReply> RegisterGetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var found = await RegistrableRoomAsync(request, cancellationToken);
        if (found.Error is { } refused) return refused;
        var room = found.Room!;
        var nick = room.Nicks.GetValueOrDefault(request.From.BareKey);
        return IqReply.Ok(new XElement(Register + "query",
            nick is null ? null : new XElement(Register + "registered"),
            nick is null ? null : new XElement(Register + "username", nick),
            new XElement(Register + "instructions", "Reserve a nickname in this room; you become a member."),
            DataForm.Form($"Register with {room.Jid}", "Nobody else may enter this room with the nickname you reserve.",
                FormField.Hidden("FORM_TYPE", RegisterForm),
                FormField.TextSingle(RoomNickField, "Nickname", nick, required: true)).ToElement()));
    }

    private async ValueTask<IqReply> RegisterSetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var found = await RegistrableRoomAsync(request, cancellationToken);
        if (found.Error is { } refused) return refused;
        var room = found.Room!;
        var account = request.From.BareKey;
        var affiliation = room.AffiliationOf(request.From);
        if (request.Payload.Element(Register + "remove") is not null)
        {
            if (!room.Nicks.ContainsKey(account) && affiliation != Affiliation.Member)
                return StanzaError.ItemNotFound("You are not registered with this room.");
            room.Nicks.Remove(account);
            if (affiliation == Affiliation.Member)
            {
                room.SetAffiliation(account, Affiliation.None);
                await store.SetAffiliationAsync(room.Jid, account, Affiliation.None, cancellationToken);
                foreach (var occupant in room.Occupants.Values.Where(o => o.BareJid.BareKey == account).ToList())
                {
                    if (room.Config.MembersOnly) await RemoveOccupantAsync(room, occupant, request.Outbound, 321, null, cancellationToken);
                    else
                    {
                        occupant.Role = room.DefaultRole(Affiliation.None);
                        await BroadcastPresenceAsync(room, occupant, request.Outbound, null, cancellationToken);
                    }
                }
            }
            else await store.ReserveAsync(room.Jid, account, affiliation, null, cancellationToken);
            return IqReply.Empty;
        }
        if (request.Payload.Element(Ns.DataForms + "x") is not { } x)
            return StanzaError.BadRequest("Submit the registration form (muc#register) or <remove/>.");
        if ((string?)x.Attribute("type") == "cancel") return IqReply.Empty;
        var read = DataFormReader.Read(x, RegisterForm, maxValues: 1);
        if (read.Error is { } error) return error;
        var requested = read.Value!.TryGetValue(RoomNickField, out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(requested)) return StanzaError.NotAcceptable("Name the nickname to reserve (muc#register_roomnick).");
        if (RoomNames.Nick(requested, options.MaxNickLength) is not { } nick)
            return StanzaError.NotAcceptable($"Nicknames are 1 to {options.MaxNickLength} characters without invisible, control or direction-changing characters.");
        if (room.ReservedBy(nick) is { } holder && holder != account)
            return new StanzaError("cancel", "conflict", "This nickname is reserved by someone else in this room.");
        if (room.OccupantByNick(nick) is { } user && user.BareJid.BareKey != account)
            return new StanzaError("cancel", "conflict", "Someone else is in this room with this nickname.");
        var now = affiliation == Affiliation.None ? Affiliation.Member : affiliation;
        await store.ReserveAsync(room.Jid, account, now, nick, cancellationToken);
        room.SetAffiliation(account, now);
        room.Nicks[account] = nick;
        if (now != affiliation)
            foreach (var occupant in room.Occupants.Values.Where(o => o.BareJid.BareKey == account).ToList())
            {
                occupant.Role = room.DefaultRole(now);
                await BroadcastPresenceAsync(room, occupant, request.Outbound, null, cancellationToken);
            }
        return IqReply.Empty;
    }

    /// <summary>The addressed room when the asker may register with it: not an outcast, and in a members-only room already affiliated.</summary>
    private async Task<Found> RegistrableRoomAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (request.To.Resource is not null) return new Found(null, StanzaError.BadRequest("Register with the room, not with an occupant."));
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return new Found(null, StanzaError.ItemNotFound("There is no such room."));
        Release(room);
        var affiliation = room.AffiliationOf(request.From);
        if (affiliation == Affiliation.Outcast) return new Found(null, StanzaError.Forbidden("You are banned from this room."));
        if (affiliation == Affiliation.None && room.Config.MembersOnly)
            return new Found(null, new StanzaError("cancel", "not-allowed", "Only members register with a members-only room."));
        return new Found(room, null);
    }

    /// <summary>XEP-0045 §7.12: the asker's reserved nickname as the identity's name, or an empty answer when it has none.</summary>
    private static DiscoInfo ReservedNickInfo(Room room, Jid asker) =>
        room.Nicks.GetValueOrDefault(asker.BareKey) is { } nick
            ? DiscoInfo.Of(new Identity("conference", "text", nick), [])
            : new DiscoInfo([], []);

    private static readonly XNamespace Register = "jabber:iq:register";
}
