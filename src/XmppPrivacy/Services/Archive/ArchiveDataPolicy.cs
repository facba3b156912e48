using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Archive;

/// <summary>What the archive keeps, told from its effective options: the messages (opt-in, expiring) and the preferences.</summary>
public sealed class ArchiveDataPolicy(ArchiveOptions options, SweepsOptions sweeps, Domains domains, IDatabase database, ArchiveStore store) : IDataPolicy
{
    private static readonly StoreTable[] Tables =
    [
        new("archive-preferences", "archive_prefs", "owner"),
    ];

    public IEnumerable<StorePolicy> Stores()
    {
        var what = options.DefaultPolicy switch
        {
            ArchivePolicy.Never => new Text(
                "Copies of your one-to-one messages, only once you have turned archiving on in your client (it is off until you do), so that your other devices can fetch them.",
                "Kopien Ihrer Einzelnachrichten, erst wenn Sie die Archivierung in Ihrem Client eingeschaltet haben (bis dahin ist sie aus), damit Ihre anderen Geräte sie abrufen können."),
            ArchivePolicy.Always => new Text(
                "Copies of your one-to-one messages, unless you have turned archiving off in your client, so that your other devices can fetch them.",
                "Kopien Ihrer Einzelnachrichten, sofern Sie die Archivierung in Ihrem Client nicht ausgeschaltet haben, damit Ihre anderen Geräte sie abrufen können."),
            _ => new Text(
                "Copies of your one-to-one messages with contacts in your contact list, unless you have turned archiving off in your client.",
                "Kopien Ihrer Einzelnachrichten mit Kontakten aus Ihrer Kontaktliste, sofern Sie die Archivierung in Ihrem Client nicht ausgeschaltet haben."),
        };
        var age = Durations.Of(options.ExpiresAfter);
        var within = Durations.Dative(sweeps.Interval);
        yield return new StorePolicy("archive", domains.Privacy,
            new Text("Message archive", "Nachrichtenarchiv"),
            what,
            new Text($"At most {age.En}: older messages are never shown and are deleted within {within.En}.",
                $"Höchstens {age.De}: ältere Nachrichten werden nie mehr angezeigt und innerhalb von {within.De} gelöscht."),
            new Text("You, from your own clients. The server's administrators have access to the database.",
                "Sie, aus Ihren eigenen Clients. Die Administratoren des Servers haben Zugriff auf die Datenbank."),
            new Text($"Turn archiving off in your client to stop new copies. The command \"Delete my archive\" of {domains.Privacy} deletes all of them at once, and deleting your account deletes them too.",
                $"Schalten Sie die Archivierung in Ihrem Client aus, um keine neuen Kopien mehr anzulegen. Der Befehl „Mein Archiv löschen“ von {domains.Privacy} löscht alle auf einmal, ebenso das Löschen Ihres Kontos."))
        {
            Content = true,
            MaxAge = options.ExpiresAfter,
            UserCanDelete = true,
            UserCanExport = true,
        };
        yield return new StorePolicy("archive-preferences", domains.Privacy,
            new Text("Archiving preferences", "Archivierungseinstellungen"),
            new Text("Whether archiving is on for you, and the addresses you chose to always or never archive.",
                "Ob die Archivierung für Sie eingeschaltet ist, und die Adressen, die Sie immer oder nie archivieren lassen."),
            new Text("Until you change them or your account is deleted.", "Bis Sie sie ändern oder Ihr Konto gelöscht wird."),
            new Text("You, from your clients; the server's administrators.", "Sie, aus Ihren Clients; die Administratoren des Servers."),
            new Text("Deleting your account deletes them.", "Das Löschen Ihres Kontos löscht sie."))
        {
            UserCanExport = true,
        };
    }

    public Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        MeasureAsync(null, now, cancellationToken);

    public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
        MeasureAsync(account, now, cancellationToken);

    /// <summary>The messages are counted across the archive's hourly files, the preferences in the database.</summary>
    private async Task<IReadOnlyList<StoreAudit>> MeasureAsync(Account? account, DateTimeOffset now, CancellationToken cancellationToken) =>
        [await store.AuditAsync("archive", account, now, cancellationToken),
            .. await StoreTable.MeasureAsync(database, Tables, account, now, cancellationToken)];

    public async Task ExportAsync(Account account, Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken)
    {
        json.WriteStartArray("archive");
        await foreach (var (id, at, with, direction, xml) in store.ExportAsync(account, now, cancellationToken))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("at", at.UtcDateTime);
            json.WriteString("with", with);
            json.WriteString("direction", direction);
            json.WriteString("stanza", xml);
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken);
        }
        json.WriteEndArray();
        var prefs = await store.GetPrefsAsync(account.Jid, cancellationToken);
        json.WriteStartObject("archivePreferences");
        json.WriteString("default", ArchiveOptions.Name(prefs.Default));
        json.WriteStartArray("always");
        foreach (var jid in prefs.Always) json.WriteStringValue(jid);
        json.WriteEndArray();
        json.WriteStartArray("never");
        foreach (var jid in prefs.Never) json.WriteStringValue(jid);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
