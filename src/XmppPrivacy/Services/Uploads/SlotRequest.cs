using System.Globalization;
using System.Xml.Linq;
using Microsoft.Net.Http.Headers;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Uploads;

/// <summary>A checked XEP-0363 slot request: a sanitised display name, a size within the limit and a media type.</summary>
public sealed record SlotRequest(string FileName, long Size, string ContentType)
{
    /// <summary>What a slot is given when the request names no type.</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>Image types a browser may show in place (nothing scriptable: no SVG, no HTML).</summary>
    public static readonly IReadOnlySet<string> InlineTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "image/png", "image/jpeg", "image/gif", "image/webp" };

    /// <summary>Reads <c>&lt;request filename size content-type/&gt;</c> (XEP-0363 §4).</summary>
    public static Outcome<SlotRequest> Parse(XElement request, long maxFileSize)
    {
        var sizeText = (string?)request.Attribute("size");
        if (string.IsNullOrEmpty(sizeText) || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            return sizeText is { Length: > 0 } && sizeText.All(char.IsAsciiDigit)
                ? UploadErrors.FileTooLarge(maxFileSize) // a whole number past 2^63 is larger than any limit
                : UploadErrors.BadRequest("The size must be a whole number of bytes.");
        if (size == 0) return UploadErrors.BadRequest("An empty file cannot be uploaded.");
        if (size > maxFileSize) return UploadErrors.FileTooLarge(maxFileSize);
        var name = (string?)request.Attribute("filename");
        if (name is null) return UploadErrors.BadRequest("The request needs a file name.");
        if (FileNames.Sanitise(name) is not { } clean)
            return UploadErrors.BadRequest($"The file name must be 1 to {FileNames.MaxLength} bytes of printable text.");
        var type = ((string?)request.Attribute("content-type"))?.Trim();
        if (string.IsNullOrEmpty(type)) type = DefaultContentType;
        else if (NormaliseType(type) is { } normal) type = normal;
        else return UploadErrors.BadRequest("The content type must be a media type such as image/png.");
        return new SlotRequest(clean, size, type);
    }

    /// <summary>A media type (with parameters) in canonical form, or null when it is not one.</summary>
    public static string? NormaliseType(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 255 || text.Any(c => c is < ' ' or > '~')) return null;
        if (!MediaTypeHeaderValue.TryParse(text, out var parsed) || parsed.MediaType.Value is not { } media
            || !media.Contains('/') || parsed.MatchesAllTypes || parsed.MatchesAllSubTypes) return null;
        return parsed.ToString().ToLowerInvariant();
    }

    /// <summary>Whether a PUT's Content-Type is the slot's: no type at all, or the same media type and parameters.</summary>
    public static bool SameType(string slotType, string? putType) =>
        string.IsNullOrEmpty(putType) || NormaliseType(putType) == slotType;

    public bool Inline => IsInline(ContentType);

    public static bool IsInline(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && InlineTypes.Contains(parsed.MediaType.Value ?? "");
}
