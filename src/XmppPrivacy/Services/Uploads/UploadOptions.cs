using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// The upload services' options (<c>Upload:*</c>). Names echo Prosody's mod_http_file_share
/// (<c>http_file_share_size_limit</c>, <c>http_file_share_expires_after</c>, <c>http_file_share_daily_quota</c>).
/// The main service is on <c>Component:Domains:Upload</c>; <see cref="Services"/> adds more, each with its own retention.
/// </summary>
[OptionsSection("Upload")]
public sealed record UploadOptions
{
    [Option("Largest file one slot may announce, in bytes; a larger request gets `not-acceptable` with `<file-too-large>`.", Min = "1", Max = "68719476736")]
    public long MaxFileSize { get; init; } = 100L * 1024 * 1024;

    [Option("Files of the upload domain (`Component:Domains:Upload`) older than this are never served and are deleted within one sweep interval.", Min = "1s", Max = "3650d")]
    public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromDays(30);

    [Option("More upload services, each on its own domain with its own retention, such as a clipboard: `clipboard.example.org=24h`, separated by commas. Each domain needs a Component entry in the XMPP server like the others.", Kind = OptionKind.DomainPeriods, Optional = true)]
    public string? Services { get; init; }

    [Option("Bytes one user may keep at once on each upload service (its files, open slots and uploads in progress; the clipboard of `Upload:Services` has its own, so files kept 30 days never crowd it out); over it a slot request gets `resource-constraint` with a retry time.", Min = "1", Max = "1099511627776")]
    public long QuotaPerUser { get; init; } = 1024L * 1024 * 1024;

    [Option("Bytes one user may announce in slots on each upload service within any 24 hours.", Min = "1", Max = "1099511627776")]
    public long DailyQuotaPerUser { get; init; } = 500L * 1024 * 1024;

    [Option("How long a slot may wait for its PUT; unused slots give their bytes back to the quota.", Min = "10s", Max = "1h")]
    public TimeSpan SlotExpiresAfter { get; init; } = TimeSpan.FromMinutes(5);

    [Option("Base of the URLs given to clients (what a reverse proxy serves, e.g. `https://upload.example.org/files`); it must reach the component's `/upload/` path. Empty: `Http:PublicUrl` followed by `/upload`.", Kind = OptionKind.HttpUrls, Optional = true)]
    public string? PublicBaseUrl { get; init; }

    [Option("Folder of the uploaded files (named by random id) and of the temporary files of uploads in progress; relative paths are relative to the working directory.", Kind = OptionKind.Path)]
    public string StoragePath { get; init; } = "var/uploads";

    [Option("Append the sanitised file name to download URLs (`…/upload/<id>/photo.jpg`) for clients that show it; the id alone is what authorises a download.")]
    public bool FileNameInUrl { get; init; }
}
