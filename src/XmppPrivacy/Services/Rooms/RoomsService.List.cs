using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// The service's disco#items (XEP-0045 §6.3): every room anyone may find, from the database, whether or not it is in
/// memory, in pages of at most <see cref="MaxListedRooms"/> (XEP-0059), so that many rooms never make a huge reply.
/// </summary>
public sealed partial class RoomsService
{
    /// <summary>The most rooms one disco#items answer lists; a client pages on with <c>&lt;after/&gt;</c>.</summary>
    public const int MaxListedRooms = 100;

    private async ValueTask<IqReply> RoomListAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var max = MaxListedRooms;
        string? after = null, before = null;
        var set = request.Payload.Element(MucNs.Rsm + "set");
        foreach (var child in set?.Elements() ?? [])
        {
            if (child.Name.Namespace != MucNs.Rsm || child.HasElements || child.Value.Length > RoomNames.MaxRoomLength * 8)
                return StanzaError.BadRequest("The result set holds max, after or before, each as text.");
            switch (child.Name.LocalName)
            {
                case "max" when int.TryParse(child.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var asked):
                    max = Math.Min(asked, MaxListedRooms);
                    break;
                case "max":
                    return StanzaError.BadRequest("<max/> takes a whole number.");
                case "after":
                    after = child.Value;
                    break;
                case "before":
                    before = child.Value;
                    break;
                case "index":
                    return new StanzaError("cancel", "feature-not-implemented", "Page through the rooms with <after/> and <before/>.");
                default:
                    return StanzaError.BadRequest("The result set holds max, after or before.");
            }
        }
        if (after is not null && before is not null) return StanzaError.BadRequest("Ask for the page after or before an item, not both.");
        var page = await store.ListedRoomsAsync(after, before, max, cancellationToken);
        var query = new XElement(Ns.DiscoItems + "query",
            page.Rooms.Select(r => new DiscoItem(Jid.Parse(r.Jid), Name: r.Name ?? Jid.Parse(r.Jid).Local).ToElement()));
        if (set is not null || page.Rooms.Count < page.Count)
            query.Add(new XElement(MucNs.Rsm + "set",
                page.Rooms.Count == 0 ? null : new XElement(MucNs.Rsm + "first", new XAttribute("index", page.FirstIndex), page.Rooms[0].Jid),
                page.Rooms.Count == 0 ? null : new XElement(MucNs.Rsm + "last", page.Rooms[^1].Jid),
                new XElement(MucNs.Rsm + "count", page.Count)));
        return IqReply.Ok(query);
    }
}
