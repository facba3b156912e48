using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Streams;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// The multi-user chat service on the rooms domain (XEP-0045): rooms are loaded from the store when someone
/// addresses them and dropped from memory when their last occupant leaves. Only the last
/// <see cref="RoomsOptions.HistoryLength"/> messages of a room are kept (<see cref="RoomStore"/>); private
/// messages, chat states and messages asking not to be stored never are. One gate orders everything a room
/// does, so occupants see the same order the room stored.
/// </summary>
[Xep(45, "1.35", "rooms, history of the last N messages, roles and affiliations, nickname registration, locked new rooms"), Xep(203, "2.0", "history stamps"),
 Xep(59, "1.0.0", "paging the service's list of rooms"),
 Xep(359, "0.7.0", "stanza-id by the room"), Xep(421, "0.1.0"), Xep(410, "1.1.0"),
 Xep(313, "1.1.1", "on room JIDs: at most the messages the room keeps")]
public sealed partial class RoomsService(
    Domains domains, RoomsOptions options, RoomStore store, Metrics metrics, TimeProvider time, ILogger<RoomsService> logger) : IComponentService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private byte[]? _occupantKey;
    private IOutbound? _outbound;

    IReadOnlyCollection<string>? IComponentService.Domains => domains.Rooms is { } rooms ? [rooms] : [];

    public RoomsOptions Options => options;

    public void Declare(ServiceBuilder service) => service
        .Identity("conference", "text", "Rooms")
        .Feature(MucNs.Muc.NamespaceName)
        .Feature(MucNs.OccupantId.NamespaceName)
        .PagedItems(RoomListAsync)
        .OnConnected((outbound, _) =>
        {
            _outbound = outbound;
            return ValueTask.CompletedTask;
        })
        .Entities(space => space
            .Presence(null, (request, ct) => Gated(request, ct, AvailableAsync))
            .Presence("unavailable", (request, ct) => Gated(request, ct, UnavailableAsync))
            .Presence("error", (request, ct) => Gated(request, ct, BouncedAsync))
            .Message("groupchat", (request, ct) => Gated(request, ct, GroupchatAsync))
            .Message("chat", (request, ct) => Gated(request, ct, PrivateAsync))
            .Message("normal", (request, ct) => Gated(request, ct, NormalAsync))
            .Message("error", (request, ct) => Gated(request, ct, BouncedAsync))
            .Iq("get", MucNs.Owner + "query", (request, ct) => Gated(request, ct, OwnerGetAsync))
            .Iq("set", MucNs.Owner + "query", (request, ct) => Gated(request, ct, OwnerSetAsync))
            .Iq("get", MucNs.Admin + "query", (request, ct) => Gated(request, ct, AdminGetAsync))
            .Iq("set", MucNs.Admin + "query", (request, ct) => Gated(request, ct, AdminSetAsync))
            .Iq("get", Register + "query", (request, ct) => Gated(request, ct, RegisterGetAsync))
            .Iq("set", Register + "query", (request, ct) => Gated(request, ct, RegisterSetAsync))
            .Iq("get", MucNs.Ping + "ping", (request, ct) => Gated(request, ct, PingAsync))
            .Iq("get", MucNs.Mam + "query", (request, ct) => Gated(request, ct, ArchiveFormAsync))
            .Iq("set", MucNs.Mam + "query", (request, ct) => Gated(request, ct, ArchiveQueryAsync))
            .FullJidIqs((request, ct) => Gated(request, ct, OccupantIqAsync))
            .IqResponses((request, ct) => Gated(request, ct, OccupantIqAnsweredAsync))
            .Info((to, asker, node, ct) => Gated(ct, () => InfoAsync(to, asker, node, ct)))
            .Items((to, asker, node, ct) => Gated(ct, () => ItemsAsync(to, node, ct))));

    /// <summary>The rooms in memory now (for tests and health).</summary>
    public int LoadedRooms
    {
        get
        {
            lock (_rooms) return _rooms.Count;
        }
    }

    /// <summary>Deletes an account's affiliations and reserved nicknames in the loaded rooms too (the store deletes the rows).</summary>
    internal async Task ForgetAccountAsync(string accountKey, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            lock (_rooms)
                foreach (var room in _rooms.Values) room.SetAffiliation(accountKey, Affiliation.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells every occupant that it is no longer in its room because the service is shutting down (332), and empties memory.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken, IOutbound? outbound = null)
    {
        if ((outbound ?? _outbound) is not { } link) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            List<Room> rooms;
            lock (_rooms) rooms = [.. _rooms.Values];
            foreach (var room in rooms)
            {
                await SendToAllAsync(room, link, (viewer, to) =>
                    RoomPresences.Of(room, viewer, to, showJid: true, "unavailable", [110, 332]), cancellationToken);
                room.Occupants.Clear();
                Unload(room);
                if (!room.Config.Persistent) await store.DeleteAsync(room.Jid, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<T> Gated<T>(CancellationToken cancellationToken, Func<ValueTask<T>> run)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await run();
        }
        finally
        {
            _gate.Release();
        }
    }

    private ValueTask<StanzaError?> Gated(StanzaRequest request, CancellationToken cancellationToken,
        Func<StanzaRequest, CancellationToken, ValueTask<StanzaError?>> handler) =>
        Gated(cancellationToken, async () =>
        {
            try
            {
                return await handler(request, cancellationToken);
            }
            catch (Exception e) when (Db.IsStorageFull(e))
            {
                return Db.StorageFull;
            }
        });

    private ValueTask<IqReply> Gated(IqRequest request, CancellationToken cancellationToken,
        Func<IqRequest, CancellationToken, ValueTask<IqReply>> handler) =>
        Gated(cancellationToken, () => handler(request, cancellationToken));

    /// <summary>The room's JID with its name normalised, or null when the name is not acceptable.</summary>
    private static Jid? RoomJid(Jid to) =>
        RoomNames.RoomKey(to.Local) is { } key ? new Jid(key, to.Domain, null) : null;

    /// <summary>The room, loaded from the store if it is not in memory; null when it does not exist.</summary>
    private async Task<Room?> FindAsync(Jid roomJid, CancellationToken cancellationToken, IOutbound? outbound = null)
    {
        Room? loaded;
        lock (_rooms) loaded = _rooms.GetValueOrDefault(roomJid.ToString());
        if (loaded is not null)
            return loaded.LockedUntil <= time.GetUtcNow() && await ExpireLockAsync(loaded, outbound ?? _outbound, cancellationToken) ? null : loaded;
        if (await store.LoadAsync(roomJid, cancellationToken) is not { } stored) return null;
        if (stored.LockedUntil <= time.GetUtcNow())
        {
            // Created and never configured before the lock ran out (the component may have been stopped meanwhile).
            await store.DeleteAsync(roomJid, cancellationToken);
            return null;
        }
        if (!stored.Config.Persistent)
        {
            // A temporary room left behind by a stop while people were in it: it ended with them.
            await store.DeleteAsync(roomJid, cancellationToken);
            return null;
        }
        var room = new Room(roomJid, stored.Config with { HistoryLength = Math.Min(stored.Config.HistoryLength, options.HistoryLength) })
        {
            Subject = stored.Subject,
            SubjectNick = stored.SubjectNick,
            LockedUntil = stored.LockedUntil,
        };
        foreach (var (jid, affiliation) in stored.Affiliations) room.Affiliations[jid] = affiliation;
        foreach (var (jid, nick) in stored.Nicks) room.Nicks[jid] = nick;
        lock (_rooms) _rooms[roomJid.ToString()] = room;
        return room;
    }

    private void Unload(Room room)
    {
        room.LockTimer?.Dispose();
        room.LockTimer = null;
        lock (_rooms) _rooms.Remove(room.Jid.ToString());
    }

    /// <summary>Drops a room nobody is in from memory (its state is in the store); a later stanza loads it again.</summary>
    private void Release(Room room)
    {
        if (room.Occupants.Count == 0) Unload(room);
    }

    private void Keep(Room room)
    {
        lock (_rooms) _rooms[room.Jid.ToString()] = room;
    }

    /// <summary>The XEP-0421 occupant-id of an account in a room: a keyed hash, the same across restarts, telling nothing about the account.</summary>
    private async Task<string> OccupantIdAsync(Room room, Jid account, CancellationToken cancellationToken)
    {
        _occupantKey ??= await store.OccupantKeyAsync(cancellationToken);
        var hash = HMACSHA256.HashData(_occupantKey, Encoding.UTF8.GetBytes(room.Jid + "\n" + account.BareKey));
        return Base64Url.EncodeToString(hash.AsSpan(0, 18));
    }

    private static async Task SendToAllAsync(Room room, IOutbound outbound, Func<Occupant, string, XElement?> build, CancellationToken cancellationToken)
    {
        foreach (var occupant in room.Occupants.Values.ToList())
            foreach (var session in occupant.Sessions.Keys.ToList())
                if (build(occupant, session) is { } stanza)
                    await outbound.SendAsync(stanza, cancellationToken);
    }

    private static StanzaError JidMalformed(string text) => new("modify", "jid-malformed", text);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "A room was created")]
    private static partial void LogCreated(ILogger logger);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "A room was destroyed")]
    private static partial void LogDestroyed(ILogger logger);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "An occupant whose server bounced a stanza was removed")]
    private static partial void LogBounced(ILogger logger);
}
