using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// The rooms service's options (<c>Rooms:*</c>), on the domain <c>Component:Domains:Rooms</c>. Names echo Prosody's
/// mod_muc (<c>max_history_messages</c>, <c>muc_max_nick_length</c>).
/// </summary>
[OptionsSection("Rooms")]
public sealed record RoomsOptions
{
    [Option("The most messages a room keeps and shows to people who enter it; the next message deletes the oldest. Room owners may lower it for their room, never raise it.", Min = "0", Max = "100")]
    public int HistoryLength { get; init; } = 10;

    [Option("The longest nickname, in characters; longer ones are refused.", Min = "1", Max = "1023")]
    public int MaxNickLength { get; init; } = 64;

    [Option("The most rooms one account may own; entering a room that does not exist beyond it is refused with `resource-constraint`, so nobody fills the disk with empty rooms.", Min = "1", Max = "100000")]
    public int MaxRoomsPerAccount { get; init; } = 100;

    [Option("Whether a new room stays locked until its creator submits the configuration form or the empty instant-room form (XEP-0045 §10.1), as Prosody's `muc_room_locking`: meanwhile others entering get `item-not-found`, and a room not configured within five minutes is destroyed.")]
    public bool LockNewRooms { get; init; } = true;

    [Option("Whether new rooms outlive their last occupant (the owner may change it in the room's configuration).")]
    public bool DefaultPersistent { get; init; } = true;
}
