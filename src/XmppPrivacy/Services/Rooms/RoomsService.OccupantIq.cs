using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// IQs to an occupant (<c>room@rooms/nick</c>: disco, vCard for avatars, version …; XEP-0045 §6.7, §18.1.4), as
/// Prosody does: an occupant's IQ is passed to one client of the addressed occupant from the asker's occupant JID,
/// under an id of the room's, and the answer is passed back from the addressed occupant's JID. Neither side sees
/// the other's real JID. Someone not in the room gets <c>bad-request</c> for disco and <c>not-acceptable</c> otherwise;
/// a nickname nobody has, <c>item-not-found</c>. At most <see cref="MaxPassedIqs"/> wait for an answer at once, each
/// at most <see cref="PassedIqLifetime"/>.
/// </summary>
public sealed partial class RoomsService
{
    public const int MaxPassedIqs = 1000;
    public static readonly TimeSpan PassedIqLifetime = TimeSpan.FromMinutes(1);

    /// <summary>An IQ passed on: who asked (full JID and id), which occupant JID answers, and the session asked.</summary>
    private sealed record PassedIq(string Asker, string? AskerId, string Occupant, string Session, DateTimeOffset Expires);

    private readonly Dictionary<string, PassedIq> _passed = new(StringComparer.Ordinal);

    private async ValueTask<StanzaError?> OccupantIqAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken, request.Outbound) is not { } room)
            return StanzaError.ItemNotFound("There is no such room.");
        var sender = room.OccupantBySession(request.From);
        var target = RoomNames.Nick(request.To.Resource, options.MaxNickLength) is { } nick ? room.OccupantByNick(nick) : null;
        Release(room);
        if (target is null) return StanzaError.ItemNotFound("There is no occupant with this nickname.");
        if (sender is null)
            return request.Payload?.Name.Namespace == Ns.DiscoInfo || request.Payload?.Name.Namespace == Ns.DiscoItems
                ? StanzaError.BadRequest("Only occupants may query an occupant.")
                : StanzaError.NotAcceptable("Only occupants may send requests to an occupant.");
        var now = time.GetUtcNow();
        foreach (var (id, stale) in _passed.Where(p => p.Value.Expires <= now).ToList()) _passed.Remove(id);
        if (_passed.Count >= MaxPassedIqs) return StanzaError.ResourceConstraint("Too many requests to occupants are waiting; try again later.");
        var session = target.Sessions.Keys.Last();
        var ours = ArchiveStore.NewId();
        _passed[ours] = new PassedIq(request.From.ToString(), request.Stanza.Id(), RoomPresences.Address(room, target.Nick), session, now + PassedIqLifetime);
        var passed = new XElement(request.Stanza);
        passed.SetAttributeValue("from", RoomPresences.Address(room, sender.Nick));
        passed.SetAttributeValue("to", session);
        passed.SetAttributeValue("id", ours);
        await request.Outbound.SendAsync(passed, cancellationToken);
        return null;
    }

    /// <summary>The answer to a passed IQ, from the session that was asked, goes back to the asker; anything else is dropped.</summary>
    private async ValueTask<StanzaError?> OccupantIqAnsweredAsync(StanzaRequest request, CancellationToken cancellationToken)
    {
        if (request.Stanza.Id() is not { } id || !_passed.TryGetValue(id, out var passed) || passed.Session != request.From.ToString()) return null;
        _passed.Remove(id);
        if (passed.Expires <= time.GetUtcNow()) return null;
        var answer = new XElement(request.Stanza);
        answer.SetAttributeValue("from", passed.Occupant);
        answer.SetAttributeValue("to", passed.Asker);
        answer.SetAttributeValue("id", passed.AskerId);
        await request.Outbound.SendAsync(answer, cancellationToken);
        return null;
    }
}
