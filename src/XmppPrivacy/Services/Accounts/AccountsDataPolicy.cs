using System.Text.Json;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Accounts;

/// <summary>What the account lifecycle keeps: a marker that tells one account from a later one of the same name.</summary>
public sealed class AccountsDataPolicy(Domains domains, IDatabase database, IncarnationStore store) : IDataPolicy
{
    private static readonly StoreTable[] Tables = [new("account-marker", "account_incarnations", "account", "since_ms")];

    public IEnumerable<StorePolicy> Stores()
    {
        yield return new StorePolicy("account-marker", domains.Privacy,
            new Text("Account marker", "Kontomerkmal"),
            new Text("A keyed hash that changes when an account is created again under the same name (never your password or anything derived from it alone), so that a new account never inherits the data of an old one.",
                "Ein mit einem geheimen Schlüssel gebildeter Hashwert, der sich ändert, wenn ein Konto unter demselben Namen neu angelegt wird (nie Ihr Passwort oder etwas allein daraus Abgeleitetes), damit ein neues Konto nie die Daten eines alten erbt."),
            new Text("Until your account is deleted.", "Bis Ihr Konto gelöscht wird."),
            new Text("Nobody reads it; the privacy service compares it.", "Niemand liest es; der Datenschutzdienst vergleicht es."),
            new Text("Deleting your account deletes it.", "Das Löschen Ihres Kontos löscht es."))
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
        var known = await store.GetAsync(account, cancellationToken);
        json.WriteStartObject("accountMarker");
        if (known is not null)
        {
            json.WriteString("marker", known.Marker);
            json.WriteString("since", known.Since.UtcDateTime);
        }
        json.WriteEndObject();
    }
}
