using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;

namespace XmppPrivacy.Services.Notices;

/// <summary>What the registration notices tell the administrators; the notices themselves are not stored.</summary>
public sealed class NoticesDataPolicy(NoticesOptions options, Domains domains) : IDataPolicy
{
    public IEnumerable<StorePolicy> Stores()
    {
        var what = options.Admins.Count == 0
            ? new Text("No administrator is set to receive notices, so none are sent.",
                "Es ist kein Administrator für Hinweise eingetragen, daher werden keine gesendet.")
            : new Text("When an account is registered, the administrators get a message with its name and whether it looks automated; never an IP address. A burst of registrations is reported as one alert and a summary.",
                "Wird ein Konto registriert, erhalten die Administratoren eine Nachricht mit seinem Namen und ob es automatisiert wirkt; nie eine IP-Adresse. Viele Registrierungen auf einmal werden als eine Warnung und eine Zusammenfassung gemeldet.");
        if (options.NotifyDeletions && options.Admins.Count > 0)
            what += new Text(" They are also told the name of an account that was deleted.", " Sie erfahren auch den Namen eines gelöschten Kontos.");
        yield return new StorePolicy("registration-notices", domains.Privacy,
            new Text("Registration notices", "Hinweise auf Registrierungen"),
            what,
            new Text("The privacy service stores no notice; a notice stays in the administrators' own clients.",
                "Der Datenschutzdienst speichert keinen Hinweis; ein Hinweis bleibt in den Clients der Administratoren."),
            new Text("The administrators named in the configuration.", "Die in der Konfiguration genannten Administratoren."),
            new Text("Nothing to delete here.", "Hier gibt es nichts zu löschen."))
        {
            UserCanExport = true, // nothing is kept, so the export holds all of it
        };
    }

    public Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoreAudit>>([]);

    public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoreAudit>>([]);

    /// <summary>Notices are not stored: nothing to export.</summary>
    public Task ExportAsync(Account account, System.Text.Json.Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken) => Task.CompletedTask;
}
