using System.Text.Json;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Services.Uploads;

/// <summary>What each upload service keeps: the files users share, each service with its own retention.</summary>
public sealed class UploadsDataPolicy(UploadServices services, UploadOptions options, SweepsOptions sweeps, IDatabase database, UploadStore store)
    : IDataPolicy
{
    private static string Key(UploadServiceInfo service) => "uploads:" + service.Domain;

    private IEnumerable<StoreTable> Tables() => services.All.Select(s =>
        new StoreTable(Key(s), "upload_files", "owner", "created_ms") { Match = [("service", s.Domain), ("state", "stored")] });

    public IEnumerable<StorePolicy> Stores()
    {
        var within = Durations.Dative(sweeps.Interval);
        foreach (var service in services.All)
        {
            var age = Durations.Of(service.ExpiresAfter);
            yield return new StorePolicy(Key(service), service.Domain,
                new Text($"Files shared through {service.Domain}", $"Über {service.Domain} geteilte Dateien"),
                new Text($"The files you upload to share them (at most {FileSize(options.MaxFileSize)} each), with their name, size and type, and which account uploaded them.",
                    $"Die Dateien, die Sie zum Teilen hochladen (höchstens {FileSize(options.MaxFileSize)} je Datei), mit Name, Größe und Typ, und welches Konto sie hochgeladen hat."),
                new Text($"{age.En} after the upload: then the link stops working at once and the file is deleted within {within.En}.",
                    $"{age.De} nach dem Hochladen: dann funktioniert der Link sofort nicht mehr und die Datei wird innerhalb von {within.De} gelöscht."),
                new Text("Anyone who has the link (it cannot be guessed); the server's administrators.",
                    "Jeder, der den Link hat (er ist nicht zu erraten); die Administratoren des Servers."),
                new Text($"The command \"Delete my uploads\" of the privacy service deletes all your files at once; deleting your account deletes them too.",
                    $"Der Befehl „Meine Uploads löschen“ des Datenschutzdienstes löscht alle Ihre Dateien auf einmal; ebenso das Löschen Ihres Kontos."))
            {
                Content = true,
                MaxAge = service.ExpiresAfter,
                UserCanDelete = true,
                UserCanExport = true,
            };
        }
    }

    private static string FileSize(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} B";

    public async Task<IReadOnlyList<StoreAudit>> AuditAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var audits = await StoreTable.MeasureAsync(database, Tables(), null, now, cancellationToken);
        if (audits.Count == 0) return audits;
        // Orphan files belong to no service's row: they are reported once, on the first service.
        var orphans = await store.OrphanCountAsync(cancellationToken);
        return [audits[0] with { Orphans = orphans }, .. audits.Skip(1)];
    }

    public Task<IReadOnlyList<StoreAudit>> AboutAsync(Account account, DateTimeOffset now, CancellationToken cancellationToken) =>
        StoreTable.MeasureAsync(database, Tables(), account, now, cancellationToken);

    public async Task ExportAsync(Account account, Utf8JsonWriter json, DateTimeOffset now, CancellationToken cancellationToken)
    {
        json.WriteStartArray("uploads");
        foreach (var file in await store.FilesOfAsync(account, now, cancellationToken))
        {
            json.WriteStartObject();
            json.WriteString("service", file.Service);
            json.WriteString("name", file.FileName);
            json.WriteNumber("size", file.Size);
            json.WriteString("contentType", file.ContentType);
            json.WriteString("uploadedAt", file.CreatedAt.UtcDateTime);
            json.WriteString("expiresAt", file.ExpiresAt.UtcDateTime);
            json.WriteString("url", services.BaseUrl + "/" + file.Id);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
