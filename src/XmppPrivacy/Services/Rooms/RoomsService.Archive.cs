using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// XEP-0313 on a room's JID: a client catching up through MAM gets at most the same messages the room shows on
/// entry — the ones it keeps — parsed with the archive's query parser and paged the same way. Only occupants and
/// members may ask; outcasts, outsiders and non-members of a members-only room are <c>forbidden</c>.
/// </summary>
public sealed partial class RoomsService
{
    private async ValueTask<IqReply> ArchiveFormAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var (room, error) = await ArchiveRoomAsync(request, cancellationToken);
        return error ?? IqReply.Ok(ArchiveReplies.Form());
    }

    private async ValueTask<IqReply> ArchiveQueryAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var (room, error) = await ArchiveRoomAsync(request, cancellationToken);
        if (error is not null) return error;
        var parsed = ArchiveQueryParser.Parse(request.Payload, new ArchiveOptions { MaxPageSize = Math.Max(options.HistoryLength, 1) });
        if (parsed.Error is { } invalid) return invalid;
        var kept = await store.HistoryAsync(room!.Jid, room.Config.HistoryLength, cancellationToken);
        var page = RoomArchive.Page(kept, parsed.Value!);
        if (page.Error is { } failed) return failed;
        var queryId = (string?)request.Payload.Attribute("queryid");
        foreach (var message in page.Value!.Messages)
            await request.Outbound.SendAsync(Stanza.Message(null, room.Jid.ToString(), request.From.ToString(), null,
                ArchiveReplies.Result(queryId, message)), cancellationToken);
        return IqReply.Ok(ArchiveReplies.Fin(page.Value));
    }

    /// <summary>The room whose archive <paramref name="request"/> may read, or why not.</summary>
    private async Task<(Room? Room, StanzaError? Error)> ArchiveRoomAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (request.To.Resource is not null) return (null, StanzaError.ServiceUnavailable("An occupant has no archive; ask the room."));
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return (null, StanzaError.ItemNotFound("There is no such room."));
        Release(room);
        var affiliation = room.AffiliationOf(request.From);
        var allowed = affiliation >= Affiliation.Member
            || (affiliation == Affiliation.None && room.OccupantBySession(request.From) is not null);
        return allowed ? (room, null) : (null, StanzaError.Forbidden("Only the room's occupants and members may read its history."));
    }
}

/// <summary>One page of a room's kept messages for a MAM query: filters, then RSM paging, over at most the kept few.</summary>
public static class RoomArchive
{
    public static Outcome<ArchivePage> Page(IReadOnlyList<RoomMessage> kept, ArchiveQuery query)
    {
        var list = kept.Select((Message, Index) => (Message, Index)).ToList();
        if (query.Start is { } start) list.RemoveAll(m => m.Message.Timestamp < start);
        if (query.End is { } end) list.RemoveAll(m => m.Message.Timestamp > end);
        if (query.With is { } with)
            list.RemoveAll(m => !(Jid.TryParse((string?)m.Message.Message.Attribute("from"), out var from) && Matches(from, with)));
        if (query.Ids is { } ids) list.RemoveAll(m => !ids.Contains(m.Message.Id, StringComparer.Ordinal));
        (string? Id, bool After)[] bounds = [(query.AfterId, true), (query.After, true), (query.BeforeId, false), (query.Before is { Length: > 0 } before ? before : null, false)];
        foreach (var (id, after) in bounds)
        {
            if (id is null) continue;
            var at = kept.Select(m => m.Id).ToList().IndexOf(id);
            if (at < 0) return StanzaError.ItemNotFound("No kept message has this id; the room keeps only its last few.");
            list.RemoveAll(m => after ? m.Index <= at : m.Index >= at);
        }
        var page = query.Backward ? list.Skip(Math.Max(0, list.Count - query.Max)).ToList() : list.Take(query.Max).ToList();
        var complete = page.Count == list.Count;
        if (query.FlipPage) page.Reverse();
        var messages = page.Select(m => new ArchivedMessage(m.Message.Id, m.Message.Timestamp, (string?)m.Message.Message.Attribute("from") ?? "",
            ArchiveDirection.In, m.Message.Message.ToString(SaveOptions.DisableFormatting))).ToList();
        return new ArchivePage(messages, messages.FirstOrDefault()?.Id, messages.LastOrDefault()?.Id, complete, list.Count);
    }

    private static bool Matches(Jid from, Jid with) =>
        with.Resource is null ? from.Bare.BareKey == with.BareKey : from.BareKey == with.BareKey && from.Resource == with.Resource;
}
