using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>A long-lived relation of an account to a room (XEP-0045 §5.2), kept in the database.</summary>
public enum Affiliation { None, Outcast, Member, Admin, Owner }

/// <summary>A role of an occupant while they are in the room (XEP-0045 §5.1), kept in memory only.</summary>
public enum Role { None, Visitor, Participant, Moderator }

/// <summary>What an owner configures (the <c>muc#roomconfig</c> form), kept in the database.</summary>
public sealed record RoomConfig
{
    public string? Name { get; init; }
    public bool Persistent { get; init; } = true;
    public bool MembersOnly { get; init; }
    public string? Password { get; init; }
    public bool Moderated { get; init; }
    /// <summary>Whether every occupant sees real JIDs (non-anonymous); otherwise only moderators do (semi-anonymous).</summary>
    public bool WhoisAnyone { get; init; }
    /// <summary>Messages kept and shown on entry; never more than <see cref="RoomsOptions.HistoryLength"/>.</summary>
    public int HistoryLength { get; init; }
}

/// <summary>Someone in a room under a nickname, with one or more client sessions (full JIDs) of one account.</summary>
public sealed class Occupant(string nick, Jid bareJid, string occupantId)
{
    public string Nick { get; set; } = nick;
    public Jid BareJid { get; } = bareJid;
    /// <summary>The XEP-0421 id: stable for this account in this room, revealing nothing about it.</summary>
    public string OccupantId { get; } = occupantId;
    public Role Role { get; set; }
    /// <summary>The client sessions in the room and the presence each last sent (show, status, caps).</summary>
    public Dictionary<string, XElement> Sessions { get; } = new(StringComparer.Ordinal);
    /// <summary>When the occupant's flood allowance was last topped up, and how much is left.</summary>
    public DateTimeOffset RateStamp { get; set; }
    public double RateTokens { get; set; } = double.NaN;
}

/// <summary>
/// One room while it is loaded: its configuration, affiliations and subject (as stored) and its occupants
/// (in memory only). Pure state; the service decides and the store persists.
/// </summary>
public sealed class Room(Jid jid, RoomConfig config)
{
    /// <summary>The room's bare JID, its local part normalised (<see cref="RoomNames.RoomKey"/>).</summary>
    public Jid Jid { get; } = jid;
    public RoomConfig Config { get; set; } = config;
    public string? Subject { get; set; }
    public string? SubjectNick { get; set; }
    /// <summary>Until when a new room waits for its creator's configuration (XEP-0045 §10.1); null once configured.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>The timer that destroys the room if it is still locked at <see cref="LockedUntil"/> (memory only).</summary>
    public ITimer? LockTimer { get; set; }
    /// <summary>Affiliations other than none, by the account's bare JID key.</summary>
    public Dictionary<string, Affiliation> Affiliations { get; } = new(StringComparer.Ordinal);
    /// <summary>Occupants by <see cref="RoomNames.NickKey"/>.</summary>
    public Dictionary<string, Occupant> Occupants { get; } = new(StringComparer.Ordinal);

    /// <summary>Reserved nicknames (XEP-0045 §7.10) by the account's bare JID key; only affiliated accounts other than outcasts hold one.</summary>
    public Dictionary<string, string> Nicks { get; } = new(StringComparer.Ordinal);

    public Affiliation AffiliationOf(Jid jid) => Affiliations.GetValueOrDefault(jid.BareKey);

    /// <summary>Sets an affiliation in memory: <see cref="Affiliation.None"/> removes it, and with none or outcast goes the account's reserved nickname.</summary>
    public void SetAffiliation(string jidKey, Affiliation affiliation)
    {
        if (affiliation == Affiliation.None) Affiliations.Remove(jidKey);
        else Affiliations[jidKey] = affiliation;
        if (affiliation is Affiliation.None or Affiliation.Outcast) Nicks.Remove(jidKey);
    }

    /// <summary>The bare JID key of the account that reserved <paramref name="nick"/> (compared by <see cref="RoomNames.NickKey"/>), or null.</summary>
    public string? ReservedBy(string nick)
    {
        var key = RoomNames.NickKey(nick);
        foreach (var (jid, reserved) in Nicks)
            if (RoomNames.NickKey(reserved) == key) return jid;
        return null;
    }

    public Occupant? OccupantByNick(string nick) => Occupants.GetValueOrDefault(RoomNames.NickKey(nick));

    /// <summary>The occupant whose session is <paramref name="fullJid"/>, if any.</summary>
    public Occupant? OccupantBySession(Jid fullJid)
    {
        var key = fullJid.ToString();
        foreach (var occupant in Occupants.Values)
            if (occupant.Sessions.ContainsKey(key)) return occupant;
        return null;
    }

    /// <summary>The role an occupant with <paramref name="affiliation"/> gets on entry.</summary>
    public Role DefaultRole(Affiliation affiliation) => affiliation switch
    {
        Affiliation.Owner or Affiliation.Admin => Role.Moderator,
        Affiliation.Member => Role.Participant,
        Affiliation.None => Config.Moderated ? Role.Visitor : Role.Participant,
        _ => Role.None,
    };

    /// <summary>Whether <paramref name="viewer"/> may see occupants' real JIDs.</summary>
    public bool ShowsRealJids(Occupant viewer) => Config.WhoisAnyone || viewer.Role == Role.Moderator;

    public static string Name(Affiliation affiliation) => affiliation.ToString().ToLowerInvariant();

    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out Affiliation affiliation) => TryName(text, out affiliation);

    public static bool TryParse(string? text, out Role role)
    {
        role = text switch { "none" => Role.None, "visitor" => Role.Visitor, "participant" => Role.Participant, "moderator" => Role.Moderator, _ => (Role)(-1) };
        return Enum.IsDefined(role);
    }

    private static bool TryName(string? text, out Affiliation affiliation)
    {
        affiliation = text switch
        {
            "none" => Affiliation.None, "outcast" => Affiliation.Outcast, "member" => Affiliation.Member,
            "admin" => Affiliation.Admin, "owner" => Affiliation.Owner, _ => (Affiliation)(-1),
        };
        return Enum.IsDefined(affiliation);
    }
}
