using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// The upload services as clients see them (XEP-0363): each upload domain answers disco with <c>store/file</c>
/// and its <c>max-file-size</c>, and grants slots to accounts of our server within their quotas. A slot's PUT is
/// authorised by a secret made for it alone; only its SHA-256 is stored.
/// </summary>
[Xep(363, "1.1.0", "slots; PUT and GET on the component's HTTP endpoint"), Xep(128, "1.0.1", "max-file-size in disco#info")]
public sealed partial class UploadService(
    Domains domains, UploadServices services, UploadOptions options, UploadStore store, UploadFiles files, Metrics metrics,
    TimeProvider time, ILogger<UploadService> logger) : IComponentService
{
    IReadOnlyCollection<string>? IComponentService.Domains => [.. services.All.Select(s => s.Domain)];

    public void Declare(ServiceBuilder service)
    {
        var info = services.Find(service.Domain)!;
        service
            .Identity("store", "file", $"File sharing (files are deleted after {Human(info.ExpiresAfter)})")
            .Feature(UploadErrors.Ns.NamespaceName)
            .InfoForm(DataForm.Extended(UploadErrors.Ns.NamespaceName,
                FormField.Value("max-file-size", options.MaxFileSize.ToString(CultureInfo.InvariantCulture))))
            .Iq("get", UploadErrors.Ns + "request", (request, cancellationToken) => RequestSlotAsync(info, request, cancellationToken));
    }

    private async ValueTask<IqReply> RequestSlotAsync(UploadServiceInfo info, IqRequest request, CancellationToken cancellationToken)
    {
        if (!domains.IsLocalAccount(request.From) || !Account.TryFrom(request.From, out var account)) return UploadErrors.NotAllowed;
        var parsed = SlotRequest.Parse(request.Payload, options.MaxFileSize);
        if (parsed.Error is { } invalid) return invalid;
        var slot = parsed.Value!;
        // A file that cannot fit on the disk now would fail at its PUT: the client hears it before uploading anything.
        if (files.AvailableBytes() is { } free && free < slot.Size)
        {
            metrics.Increment("xmppprivacy_upload_slots_refused_total");
            return Db.StorageFull;
        }
        var now = time.GetUtcNow();
        var id = UploadFiles.NewId();
        var token = UploadFiles.NewId() + UploadFiles.NewId();
        var row = new UploadRow(id, account.Key, info.Domain, slot.FileName, slot.Size, slot.ContentType, HashToken(token),
            UploadState.Slot, now, now + options.SlotExpiresAfter);
        try
        {
            if (!await store.IssueAsync(row, options.QuotaPerUser, options.DailyQuotaPerUser, cancellationToken))
            {
                var retry = await store.RetryAtAsync(account.Key, info.Domain, slot.Size, options.QuotaPerUser, options.DailyQuotaPerUser, now, cancellationToken);
                metrics.Increment("xmppprivacy_upload_slots_refused_total");
                return UploadErrors.OverQuota(retry, "This upload would exceed your storage quota; try again after the time given.");
            }
        }
        catch (Exception e) when (Db.IsStorageFull(e))
        {
            return Db.StorageFull;
        }
        metrics.Increment("xmppprivacy_upload_slots_total");
        LogSlot(logger, info.Domain);
        var get = Url(id, slot.FileName);
        return IqReply.Ok(new XElement(UploadErrors.Ns + "slot",
            new XElement(UploadErrors.Ns + "put", new XAttribute("url", get),
                new XElement(UploadErrors.Ns + "header", new XAttribute("name", "Authorization"), "Bearer " + token)),
            new XElement(UploadErrors.Ns + "get", new XAttribute("url", get))));
    }

    /// <summary>The file's URL: the public base and the random id, and the sanitised name only if the operator asks.</summary>
    public string Url(string id, string fileName) =>
        services.BaseUrl + "/" + id + (options.FileNameInUrl ? "/" + FileNames.PercentEncode(fileName) : "");

    /// <summary>A retention as people say it: <c>30 days</c>, <c>24 hours</c>, <c>90 seconds</c>.</summary>
    public static string Human(TimeSpan period) =>
        period.TotalDays >= 2 && period.TotalDays % 1 == 0 ? $"{period.TotalDays:0} days"
        : period.TotalHours >= 1 && period.TotalHours % 1 == 0 ? $"{period.TotalHours:0} hour{(period.TotalHours == 1 ? "" : "s")}"
        : period.TotalMinutes >= 1 && period.TotalMinutes % 1 == 0 ? $"{period.TotalMinutes:0} minute{(period.TotalMinutes == 1 ? "" : "s")}"
        : $"{Math.Ceiling(period.TotalSeconds):0} second{(period.TotalSeconds == 1 ? "" : "s")}";

    public static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Granted an upload slot on {Domain}")]
    private static partial void LogSlot(ILogger logger, string domain);
}
