using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Services.Uploads;

/// <summary>One upload service: its domain and how long its files are kept.</summary>
public sealed record UploadServiceInfo(string Domain, TimeSpan ExpiresAfter);

/// <summary>
/// The upload services: the upload domain (<c>Component:Domains:Upload</c>, kept <c>Upload:ExpiresAfter</c>) and
/// those of <c>Upload:Services</c> (a clipboard, kept 24 hours). The extra domains get their own connections.
/// </summary>
public sealed class UploadServices : IMoreDomains
{
    public UploadServices(UploadOptions options, DomainsOptions domains, HttpOptions http)
    {
        _upload = domains.Upload;
        var list = new List<UploadServiceInfo>();
        if (domains.Upload is { } upload) list.Add(new UploadServiceInfo(upload, options.ExpiresAfter));
        if (options.Services is { } more && OptionSpec.TryParseDomainPeriods(more, out var pairs))
            foreach (var (domain, period) in pairs)
                if (!list.Any(s => s.Domain == domain)) list.Add(new UploadServiceInfo(domain, period));
        All = list;
        BaseUrl = (options.PublicBaseUrl ?? http.PublicBase + "/upload").Split(';')[0].TrimEnd('/');
    }

    private readonly string? _upload;

    public IReadOnlyList<UploadServiceInfo> All { get; }

    /// <summary>Where download and upload URLs start: <c>{BaseUrl}/{id}</c>.</summary>
    public string BaseUrl { get; }

    IEnumerable<string> IMoreDomains.Domains => All.Select(s => s.Domain).Where(d => d != _upload);

    public UploadServiceInfo? Find(string domain) =>
        All.FirstOrDefault(s => string.Equals(s.Domain, domain, StringComparison.OrdinalIgnoreCase));
}
