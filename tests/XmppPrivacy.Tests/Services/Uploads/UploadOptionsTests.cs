using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Uploads;

namespace XmppPrivacy.Tests.Services.Uploads;

/// <summary>The <c>Upload:*</c> options as the host reads them: sizes past 2 GiB, the extra services, the public base URL.</summary>
public sealed class UploadOptionsTests
{
    private static Settings From(params (string Key, string? Value)[] overrides) =>
        Settings.From(Settings.Load(null, overrides.ToDictionary(o => o.Key, o => o.Value)));

    [Fact]
    public void Defaults_keep_files_30_days_on_the_upload_domain_alone_with_URLs_under_the_HTTP_endpoint()
    {
        var settings = From();
        var services = new UploadServices(settings.Get<UploadOptions>(), settings.Get<DomainsOptions>(), settings.Get<HttpOptions>());

        Assert.Equal([new UploadServiceInfo("upload.localhost", TimeSpan.FromDays(30))], services.All);
        Assert.Equal("http://127.0.0.1:5443/upload", services.BaseUrl);
        Assert.Equal(["privacy.localhost", "upload.localhost", "rooms.localhost"],
            new Domains(settings.Get<ComponentOptions>(), settings.Get<DomainsOptions>(), [services]).Services);
    }

    [Fact]
    public void Sizes_and_quotas_past_2_GiB_are_read_and_more_services_get_their_own_retention_and_connection()
    {
        var settings = From(("Upload:MaxFileSize", "5368709120"), ("Upload:QuotaPerUser", "10737418240"),
            ("Upload:Services", "Clipboard.localhost=24h, paste.localhost=90m"), ("Upload:PublicBaseUrl", "https://upload.example.org/files/"));
        var options = settings.Get<UploadOptions>();
        var services = new UploadServices(options, settings.Get<DomainsOptions>(), settings.Get<HttpOptions>());

        Assert.Equal(5L * 1024 * 1024 * 1024, options.MaxFileSize);
        Assert.Equal(10L * 1024 * 1024 * 1024, options.QuotaPerUser);
        Assert.Equal(TimeSpan.FromMinutes(90), services.Find("paste.localhost")!.ExpiresAfter);
        Assert.Equal("https://upload.example.org/files", services.BaseUrl);
        Assert.Equal(["privacy.localhost", "upload.localhost", "rooms.localhost", "clipboard.localhost", "paste.localhost"],
            new Domains(settings.Get<ComponentOptions>(), settings.Get<DomainsOptions>(), [services]).Services);
    }

    [Theory]
    [InlineData("Upload:Services", "clipboard.localhost")]
    [InlineData("Upload:Services", "clipboard.localhost=0s")]
    [InlineData("Upload:Services", "not a domain=24h")]
    [InlineData("Upload:MaxFileSize", "0")]
    [InlineData("Upload:MaxFileSize", "1e6")]
    [InlineData("Upload:QuotaPerUser", "-1")]
    [InlineData("Upload:PublicBaseUrl", "ftp://files.example.org")]
    public void A_wrong_value_stops_the_start_naming_the_key(string key, string value)
    {
        var refused = Assert.Throws<ConfigurationException>(() => From((key, value)));

        Assert.Contains(key, refused.Message, StringComparison.Ordinal);
    }
}
