using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// HTTP File Upload (XEP-0363) on the upload domain and on each further upload service (a clipboard), each with
/// its own retention: slots within per-user quotas, PUT and GET on the component's HTTP endpoint, expiry on every
/// read and by the sweep, files deleted with their account, and start-up reconciliation of files and rows.
/// </summary>
public sealed class UploadsFeature : IFeature
{
    public string Name => "uploads";

    public void Declare(FeatureBuilder feature)
    {
        feature
            .Options<UploadOptions>()
            .Schema(UploadStore.Schema)
            .Singleton<UploadServices>()
            .Singleton<UploadFiles>()
            .Singleton<UploadHttp>()
            .AccountData<UploadStore>()
            .Component<UploadService>()
            .Component<UploadCommands>()
            .Policy<UploadsDataPolicy>()
            .Sweep<UploadSweep>()
            .Background<UploadStartup>()
            .Http(UploadHttp.Map)
            .Counter("xmppprivacy_upload_slots_total", "Upload slots granted.")
            .Counter("xmppprivacy_upload_slots_refused_total", "Upload slots refused because a quota was reached.")
            .Counter("xmppprivacy_upload_files_total", "Files uploaded completely.")
            .ConfigCheck(settings => UploadFiles.CheckWritable(settings.Get<UploadOptions>().StoragePath))
            .Health("uploads", UploadsJson.Default.UploadsHealth, (services, _) =>
                Task.FromResult(new UploadsHealth([.. services.GetRequiredService<UploadServices>().All
                    .Select(s => new UploadServiceHealth(s.Domain, s.ExpiresAfter.TotalSeconds))])));
        feature.Services.AddSingleton<IMoreDomains>(sp => sp.GetRequiredService<UploadServices>());
    }
}

/// <summary>The uploads' part of <c>/health</c>: each service and how long it keeps files.</summary>
public sealed record UploadsHealth(IReadOnlyList<UploadServiceHealth> Services);

public sealed record UploadServiceHealth(string Domain, double ExpiresAfterSeconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UploadsHealth))]
internal sealed partial class UploadsJson : JsonSerializerContext;
