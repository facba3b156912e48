using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Rooms;

/// <summary>The owner's side (XEP-0045 §10): the room's configuration form, and destroying the room.</summary>
public sealed partial class RoomsService
{
    private async ValueTask<IqReply> OwnerGetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var found = await OwnedRoomAsync(request, cancellationToken);
        if (found.Error is { } refused) return refused;
        Release(found.Room!);
        return IqReply.Ok(new XElement(MucNs.Owner + "query", ConfigForm(found.Room!).ToElement()));
    }

    private async ValueTask<IqReply> OwnerSetAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var found = await OwnedRoomAsync(request, cancellationToken);
        if (found.Error is { } refused) return refused;
        var room = found.Room!;
        Release(room);
        if (request.Payload.Element(MucNs.Owner + "destroy") is { } destroy)
        {
            await DestroyAsync(room, destroy, request.Outbound, cancellationToken);
            return IqReply.Empty;
        }
        if (request.Payload.Element(Ns.DataForms + "x") is not { } x) return StanzaError.BadRequest("Send the room's configuration form or a destroy request.");
        if ((string?)x.Attribute("type") == "cancel")
        {
            // XEP-0045 §10.1.3: a creator who cancels the initial configuration does not want the room.
            if (room.LockedUntil is not null) await DestroyAsync(room, new XElement(MucNs.Owner + "destroy"), request.Outbound, cancellationToken);
            return IqReply.Empty;
        }
        var read = DataFormReader.Read(x, MucNs.RoomConfig, maxValues: 1);
        if (read.Error is { } error) return error;
        var parsed = ApplyConfig(room.Config, read.Value!);
        if (parsed.Error is { } invalid) return invalid;
        var config = parsed.Value!;
        var shorter = config.HistoryLength < room.Config.HistoryLength;
        room.Config = config;
        Unlock(room);
        await store.SaveAsync(room, cancellationToken);
        if (shorter) await store.TrimAsync(room.Jid, config.HistoryLength, cancellationToken);
        if (config.MembersOnly)
            foreach (var outsider in room.Occupants.Values.Where(o => room.AffiliationOf(o.BareJid) == Affiliation.None).ToList())
                await RemoveOccupantAsync(room, outsider, request.Outbound, 322, null, cancellationToken);
        return IqReply.Empty;
    }

    /// <summary>The configuration an owner submitted, checked field by field; unknown fields are ignored (XEP-0045 §10.2).</summary>
    public Outcome<RoomConfig> ApplyConfig(RoomConfig current, IReadOnlyDictionary<string, IReadOnlyList<string>> values)
    {
        var config = current;
        string? Value(string name) => values.TryGetValue(name, out var list) ? list.FirstOrDefault() ?? "" : null;
        bool? Flag(string name) => Value(name) switch { null => null, "1" or "true" => true, "0" or "false" or "" => false, _ => null };
        foreach (var name in (string[])["muc#roomconfig_persistentroom", "muc#roomconfig_membersonly", "muc#roomconfig_passwordprotectedroom", "muc#roomconfig_moderatedroom"])
            if (Value(name) is { } text && Flag(name) is null) return StanzaError.BadRequest($"The field {name} takes 1 or 0, not '{Truncate(text)}'.");
        if (Value("muc#roomconfig_roomname") is { } roomName)
            config = config with { Name = roomName.Length == 0 ? null : roomName.Length > 256 ? null : roomName };
        if (Value("muc#roomconfig_roomname") is { Length: > 256 }) return StanzaError.BadRequest("A room name has at most 256 characters.");
        if (Flag("muc#roomconfig_persistentroom") is { } persistent) config = config with { Persistent = persistent };
        if (Flag("muc#roomconfig_membersonly") is { } membersOnly) config = config with { MembersOnly = membersOnly };
        if (Flag("muc#roomconfig_moderatedroom") is { } moderated) config = config with { Moderated = moderated };
        if (Value("muc#roomconfig_whois") is { } whois)
            config = whois switch
            {
                "anyone" => config with { WhoisAnyone = true },
                "moderators" or "" => config with { WhoisAnyone = false },
                _ => null!,
            };
        if (config is null) return StanzaError.BadRequest("The field muc#roomconfig_whois is 'moderators' or 'anyone'.");
        var secret = Value("muc#roomconfig_roomsecret");
        if (Flag("muc#roomconfig_passwordprotectedroom") is { } protectedRoom)
            config = config with { Password = protectedRoom ? (string.IsNullOrEmpty(secret) ? config.Password : secret) : null };
        else if (secret is not null)
            config = config with { Password = secret.Length == 0 ? null : secret };
        if (config.Password is { Length: > 256 }) return StanzaError.BadRequest("A room password has at most 256 characters.");
        if (Flag("muc#roomconfig_passwordprotectedroom") == true && config.Password is null)
            return StanzaError.NotAcceptable("A password-protected room needs a password (muc#roomconfig_roomsecret).");
        if (Value("muc#maxhistoryfetch") is { Length: > 0 } length)
        {
            if (!int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var history))
                return StanzaError.BadRequest("The field muc#maxhistoryfetch takes a whole number.");
            if (history > options.HistoryLength)
                return StanzaError.NotAcceptable($"This service keeps at most {options.HistoryLength} messages per room.");
            config = config with { HistoryLength = history };
        }
        return config;
    }

    /// <summary>The configuration form with the room's current values.</summary>
    public DataForm ConfigForm(Room room)
    {
        var config = room.Config;
        return DataForm.Form($"Configuration of {room.Jid}", $"This service keeps at most {options.HistoryLength} messages per room; you may keep fewer.",
            FormField.Hidden("FORM_TYPE", MucNs.RoomConfig),
            FormField.TextSingle("muc#roomconfig_roomname", "Name", config.Name),
            FormField.Boolean("muc#roomconfig_persistentroom", "Keep the room when the last occupant leaves", config.Persistent),
            FormField.Boolean("muc#roomconfig_membersonly", "Only members may enter", config.MembersOnly),
            FormField.Boolean("muc#roomconfig_passwordprotectedroom", "A password is needed to enter", config.Password is not null),
            new FormField("muc#roomconfig_roomsecret", "text-private", "Password") { Values = config.Password is null ? [] : [config.Password] },
            FormField.Boolean("muc#roomconfig_moderatedroom", "Only participants may speak (newcomers are visitors)", config.Moderated),
            FormField.ListSingle("muc#roomconfig_whois", "Who may see occupants' real addresses", config.WhoisAnyone ? "anyone" : "moderators",
                [new FormOption("moderators", "Moderators only"), new FormOption("anyone", "Anyone")]),
            FormField.TextSingle("muc#maxhistoryfetch", $"Messages kept and shown on entry (at most {options.HistoryLength})",
                config.HistoryLength.ToString(CultureInfo.InvariantCulture)));
    }

    private async Task DestroyAsync(Room room, XElement destroy, Streams.IOutbound outbound, CancellationToken cancellationToken)
    {
        var reason = destroy.Element(MucNs.Owner + "reason")?.Value;
        await SendToAllAsync(room, outbound, (viewer, to) =>
        {
            var presence = RoomPresences.Of(room, viewer, to, showJid: false, "unavailable");
            presence.Element(MucNs.User + "x")!.Add(new XElement(MucNs.User + "destroy",
                reason is null ? null : new XElement(MucNs.User + "reason", Truncate(reason, 1024))));
            return presence;
        }, cancellationToken);
        room.Occupants.Clear();
        Unload(room);
        await store.DeleteAsync(room.Jid, cancellationToken);
        LogDestroyed(logger);
    }

    private readonly record struct Found(Room? Room, StanzaError? Error);

    /// <summary>The addressed room when the asker owns it; an error otherwise (nothing found is no Found at all).</summary>
    private async Task<Found> OwnedRoomAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if (request.To.Resource is not null) return new Found(null, StanzaError.BadRequest("Owners configure the room, not an occupant."));
        if (RoomJid(request.To) is not { } roomJid || await FindAsync(roomJid, cancellationToken) is not { } room)
            return new Found(null, StanzaError.ItemNotFound("There is no such room."));
        if (room.AffiliationOf(request.From) != Affiliation.Owner)
        {
            Release(room);
            return new Found(null, StanzaError.Forbidden("Only the room's owners may do this."));
        }
        return new Found(room, null);
    }

    private static string Truncate(string text, int length = 40) => text.Length <= length ? text : text[..length];
}
