using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Activity;

/// <summary>What the activity store keeps: the last login and logout of each account, to find inactive accounts.</summary>
public sealed class ActivityDataPolicy(Domains domains, IDatabase database, ActivityStore store) : IDataPolicy
{
    private static readonly StoreTable[] Tables = [new("last-activity", "last_activity", "account")];

    public IEnumerable<StorePolicy> Stores()
    {
        yield return new StorePolicy("last-activity", domains.Privacy,
            new Text("Last login and logout", "Letzte An- und Abmeldung"),
            new Text("The time of your account's last login and last logout, nothing else (no address, no device), so that the administrators can find accounts nobody uses any more.",
                "Der Zeitpunkt der letzten An- und Abmeldung Ihres Kontos, sonst nichts (keine Adresse, kein Gerät), damit die Administratoren Konten finden, die niemand mehr nutzt."),
            new Text("Each login or logout replaces the previous one; kept until your account is deleted.",
                "Jede An- oder Abmeldung ersetzt die vorige; gespeichert, bis Ihr Konto gelöscht wird."),
            new Text("The server's administrators, as a list of inactive accounts.", "Die Administratoren des Servers, als Liste inaktiver Konten."),
            new Text("Deleting your account deletes it.", "Das Löschen Ihres Kontos löscht ihn."))
        {
            UserCanExport = true,
        };
    }

    public Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        StoreTable.MeasureAsync(database, Tables, null, now, cancellationToken);

    public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
        StoreTable.MeasureAsync(database, Tables, account, now, cancellationToken);

    public async Task ExportAsync(Account account, Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(account, cancellationToken);
        json.WriteStartObject("lastActivity");
        if (record?.LastLogin is { } login) json.WriteString("lastLogin", login.UtcDateTime); else json.WriteNull("lastLogin");
        if (record?.LastLogout is { } logout) json.WriteString("lastLogout", logout.UtcDateTime); else json.WriteNull("lastLogout");
        json.WriteEndObject();
    }
}
