using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// Multi-user chat on the rooms domain whose history is the last <c>Rooms:HistoryLength</c> messages of each room,
/// persisted; affiliations are deleted with an account.
/// </summary>
public sealed class RoomsFeature : IFeature
{
    public string Name => "rooms";

    public void Declare(FeatureBuilder feature) => feature
        .Options<RoomsOptions>()
        .Schema(RoomStore.Schema)
        .Singleton<RoomStore>()
        .Component<RoomsService>()
        .AccountData<RoomAccounts>()
        .Policy<RoomsDataPolicy>()
        .Background<RoomsShutdown>()
        .Counter("xmppprivacy_rooms_created_total", "Rooms created.")
        .Counter("xmppprivacy_rooms_joins_total", "Occupants who entered a room.")
        .Counter("xmppprivacy_rooms_messages_total", "Groupchat messages broadcast in rooms.")
        .Counter("xmppprivacy_rooms_messages_kept_total", "Groupchat messages kept in a room's history.")
        .Gauge("xmppprivacy_rooms_loaded", "Rooms in memory now (rooms nobody is in are not loaded).",
            services => services.GetRequiredService<RoomsService>().LoadedRooms);
}
