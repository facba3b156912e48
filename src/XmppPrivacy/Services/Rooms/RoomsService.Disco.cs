using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>What a room says of itself (XEP-0045 §6.4 with the <c>muc#roominfo</c> form), and XEP-0410 self-pings.</summary>
public sealed partial class RoomsService
{
    private async ValueTask<DiscoInfo?> InfoAsync(Jid to, Jid asker, string? node, CancellationToken cancellationToken)
    {
        if (to.Resource is not null || node is not (null or ReservedNickNode)) return null;
        if (RoomJid(to) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room) return null;
        Release(room);
        if (node == ReservedNickNode) return ReservedNickInfo(room, asker);
        var config = room.Config;
        List<string> features =
        [
            MucNs.Muc.NamespaceName, MucNs.StableId, MucNs.SelfPingOptimization, MucNs.OccupantId.NamespaceName,
            MucNs.StanzaId.NamespaceName, MucNs.Mam.NamespaceName, Register.NamespaceName, "muc_public",
            config.Persistent ? "muc_persistent" : "muc_temporary",
            config.MembersOnly ? "muc_membersonly" : "muc_open",
            config.Password is null ? "muc_unsecured" : "muc_passwordprotected",
            config.Moderated ? "muc_moderated" : "muc_unmoderated",
            config.WhoisAnyone ? "muc_nonanonymous" : "muc_semianonymous",
        ];
        var form = DataForm.Extended(MucNs.RoomInfo,
            FormField.TextSingle("muc#roomconfig_roomname", "Name", config.Name ?? room.Jid.Local),
            FormField.TextSingle("muc#roominfo_occupants", "Number of occupants", room.Occupants.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            FormField.TextSingle("muc#roominfo_subject", "Subject", room.Subject ?? ""),
            FormField.Boolean("muc#roominfo_subjectmod", "Only moderators may change the subject", true),
            FormField.TextSingle("muc#maxhistoryfetch", "Messages kept and shown on entry",
                config.HistoryLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return DiscoInfo.Of(new Identity("conference", "text", config.Name ?? room.Jid.Local), features, form);
    }

    private async ValueTask<IReadOnlyList<DiscoItem>?> ItemsAsync(Jid to, string? node, CancellationToken cancellationToken)
    {
        if (to.Resource is not null || node is not null) return null;
        if (RoomJid(to) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room) return null;
        Release(room);
        // Semi-anonymous rooms list no occupants to outsiders (XEP-0045 §6.5).
        return [];
    }

    /// <summary>XEP-0410: a client checks that it is still in the room by pinging its own occupant JID.</summary>
    private async ValueTask<IqReply> PingAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        var occupant = room.OccupantBySession(request.From);
        Release(room);
        if (request.To.Resource is null) return IqReply.Empty;
        if (occupant is null) return new StanzaError("cancel", "not-acceptable", "You are not in this room.");
        var target = RoomNames.Nick(request.To.Resource, options.MaxNickLength) is { } nick ? room.OccupantByNick(nick) : null;
        // Pinging oneself is answered by the room (the self-ping optimisation); pinging another occupant too.
        return target is null ? StanzaError.ItemNotFound("There is no occupant with this nickname.") : IqReply.Empty;
    }
}
