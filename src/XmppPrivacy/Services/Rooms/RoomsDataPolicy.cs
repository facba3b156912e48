using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Rooms;

/// <summary>What the rooms keep: the last messages of each room (a count, not a time) and who is affiliated with which room.</summary>
public sealed class RoomsDataPolicy(Domains domains, RoomsOptions options, IDatabase database) : IDataPolicy
{
    private static readonly StoreTable[] Affiliations = [new("room-affiliations", "room_affiliations", "jid")];

    public IEnumerable<StorePolicy> Stores()
    {
        if (domains.Rooms is not { } rooms) yield break;
        var n = Durations.Number(options.HistoryLength);
        yield return new StorePolicy("room-history", rooms,
            new Text($"Chat rooms on {rooms}", $"Gruppenchats auf {rooms}"),
            new Text($"The last {n.En} messages of each room, with the nickname they were sent under, so that whoever enters the room sees them. Private messages between occupants are never stored.",
                $"Die letzten {n.De} Nachrichten jedes Raums, mit dem Spitznamen, unter dem sie gesendet wurden, damit sie jeder sieht, der den Raum betritt. Private Nachrichten zwischen Teilnehmern werden nie gespeichert."),
            new Text($"Each new message deletes the oldest beyond the last {n.En} at once (a room's owner may keep fewer); no other copy is kept.",
                $"Jede neue Nachricht löscht sofort die älteste jenseits der letzten {n.De} (der Besitzer eines Raums kann weniger einstellen); keine andere Kopie wird aufbewahrt."),
            new Text("Everybody who may enter the room; in members-only rooms, its members.",
                "Jeder, der den Raum betreten darf; in Räumen nur für Mitglieder deren Mitglieder."),
            new Text("A room's owner can destroy the room, which deletes its messages; older messages go by themselves.",
                "Der Besitzer eines Raums kann den Raum auflösen, was seine Nachrichten löscht; ältere Nachrichten verschwinden von selbst."))
        {
            Content = true,
            MaxCount = options.HistoryLength,
        };
        yield return new StorePolicy("room-affiliations", rooms,
            new Text("Room memberships", "Raummitgliedschaften"),
            new Text("Which rooms your account owns, administers, is a member of or is banned from, and the nickname it reserved in a room.",
                "Welche Räume Ihr Konto besitzt oder verwaltet, in welchen es Mitglied ist oder gesperrt wurde, und den Spitznamen, den es in einem Raum reserviert hat."),
            new Text("Until the room's owners change it, the room is destroyed, or your account is deleted.",
                "Bis die Besitzer des Raums es ändern, der Raum aufgelöst oder Ihr Konto gelöscht wird."),
            new Text("The room's owners and administrators.", "Die Besitzer und Administratoren des Raums."),
            new Text("Unregistering from a room deletes your nickname there; deleting your account deletes them all.",
                "Die Abmeldung von einem Raum löscht Ihren Spitznamen dort; das Löschen Ihres Kontos löscht alles."))
        {
            UserCanExport = true,
        };
    }

    public async Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*), MIN(ts_ms), (SELECT MAX(kept) FROM (SELECT COUNT(*) AS kept FROM room_messages GROUP BY room)) FROM room_messages;
            """;
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        await row.ReadAsync(cancellationToken);
        var history = new StoreAudit("room-history", row.GetInt64(0),
            row.IsDBNull(1) ? null : now - DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(1)),
            row.IsDBNull(2) ? 0 : row.GetInt64(2));
        return [history, .. await StoreTable.MeasureAsync(database, Affiliations, null, now, cancellationToken)];
    }

    /// <summary>Room messages carry a nickname, not an account, so only memberships can be told per account.</summary>
    public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
        StoreTable.MeasureAsync(database, Affiliations, account, now, cancellationToken);

    public async Task ExportAsync(Account account, Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT room, affiliation, nick FROM room_affiliations WHERE jid = @jid ORDER BY room;";
        Db.Add(command, "@jid", account.Key);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        json.WriteStartArray("roomAffiliations");
        while (await rows.ReadAsync(cancellationToken))
        {
            json.WriteStartObject();
            json.WriteString("room", rows.GetString(0));
            json.WriteString("affiliation", rows.GetString(1));
            if (!rows.IsDBNull(2)) json.WriteString("nick", rows.GetString(2));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
