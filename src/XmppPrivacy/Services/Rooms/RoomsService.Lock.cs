using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Locked new rooms (XEP-0045 §10.1, Prosody's <c>muc_room_locking</c>): a room stays locked from its creation until its
/// creator submits the configuration form or the empty instant-room form; meanwhile nobody else may enter
/// (<c>item-not-found</c>). A room still locked after <see cref="LockTimeout"/> is destroyed, by a timer, and at the
/// latest by the next stanza that addresses it (also after a restart).
/// </summary>
public sealed partial class RoomsService
{
    /// <summary>How long a new room waits for its creator's configuration (Prosody's <c>muc_room_lock_timeout</c>).</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);

    private void Lock(Room room)
    {
        room.LockedUntil = time.GetUtcNow() + LockTimeout;
        room.LockTimer = time.CreateTimer(_ => _ = ExpireLockLaterAsync(room), null, LockTimeout, Timeout.InfiniteTimeSpan);
    }

    private static void Unlock(Room room)
    {
        room.LockedUntil = null;
        room.LockTimer?.Dispose();
        room.LockTimer = null;
    }

    private async Task ExpireLockLaterAsync(Room room)
    {
        try
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                bool current;
                lock (_rooms) current = _rooms.GetValueOrDefault(room.Jid.ToString()) == room;
                if (current && room.LockedUntil <= time.GetUtcNow()) await ExpireLockAsync(room, _outbound, CancellationToken.None);
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (Exception e)
        {
            LogLockExpiryFailed(logger, e.GetType().Name);
        }
    }

    /// <summary>Destroys a room whose creator did not configure it in time; true when it was destroyed.</summary>
    private async Task<bool> ExpireLockAsync(Room room, IOutbound? outbound, CancellationToken cancellationToken)
    {
        var destroy = new XElement(MucNs.Owner + "destroy", new XElement(MucNs.Owner + "reason", "The room was not configured in time."));
        if (outbound is not null) await DestroyAsync(room, destroy, outbound, cancellationToken);
        else
        {
            room.Occupants.Clear();
            Unload(room);
            await store.DeleteAsync(room.Jid, cancellationToken);
        }
        return true;
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Destroying a room left locked failed with {ExceptionType}")]
    private static partial void LogLockExpiryFailed(ILogger logger, string exceptionType);
}
