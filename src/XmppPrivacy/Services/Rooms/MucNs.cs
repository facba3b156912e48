using System.Xml.Linq;

namespace XmppPrivacy.Services.Rooms;

/// <summary>The namespaces of multi-user chat and of what rooms stamp on messages.</summary>
public static class MucNs
{
    public static readonly XNamespace Muc = "http://jabber.org/protocol/muc";
    public static readonly XNamespace User = "http://jabber.org/protocol/muc#user";
    public static readonly XNamespace Admin = "http://jabber.org/protocol/muc#admin";
    public static readonly XNamespace Owner = "http://jabber.org/protocol/muc#owner";
    public const string RoomInfo = "http://jabber.org/protocol/muc#roominfo";
    public const string RoomConfig = "http://jabber.org/protocol/muc#roomconfig";
    public const string StableId = "http://jabber.org/protocol/muc#stable_id";
    public const string SelfPingOptimization = "http://jabber.org/protocol/muc#self-ping-optimization";
    public static readonly XNamespace StanzaId = "urn:xmpp:sid:0";
    public static readonly XNamespace OccupantId = "urn:xmpp:occupant-id:0";
    public static readonly XNamespace Delay = "urn:xmpp:delay";
    public static readonly XNamespace Hints = "urn:xmpp:hints";
    public static readonly XNamespace ChatStates = "http://jabber.org/protocol/chatstates";
    public static readonly XNamespace Mam = "urn:xmpp:mam:2";
    public static readonly XNamespace Ping = "urn:xmpp:ping";
    /// <summary>XEP-0059 result set management, for the paged list of rooms.</summary>
    public static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";
}
