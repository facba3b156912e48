using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// The upload feature's error vocabulary: what a slot request is answered (XEP-0363 §5) and the HTTP status of
/// each refusal of a PUT or GET. Texts say what was wrong, never a path or an internal detail.
/// </summary>
public static class UploadErrors
{
    public static readonly XNamespace Ns = "urn:xmpp:http:upload:0";

    public static StanzaError FileTooLarge(long max) => new("modify", "not-acceptable", $"The file is larger than the {max} bytes this service accepts.",
        new XElement(Ns + "file-too-large", new XElement(Ns + "max-file-size", max.ToString(CultureInfo.InvariantCulture))));

    public static StanzaError OverQuota(DateTimeOffset retry, string text) => new("wait", "resource-constraint", text,
        new XElement(Ns + "retry", new XAttribute("stamp", XmlStamp(retry))));

    public static StanzaError NotAllowed => new("cancel", "not-allowed", "Only accounts of this server may upload files here.");

    public static StanzaError BadRequest(string text) => StanzaError.BadRequest(text);

    public static string XmlStamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>HTTP answers: status and a short plain text.</summary>
    public sealed record Http(int Status, string Text);

    public static readonly Http NoToken = new(401, "This upload needs the slot's Authorization header.");
    public static readonly Http WrongToken = new(403, "This upload is not authorised.");
    public static readonly Http SlotUsed = new(409, "This slot has been used already.");
    public static readonly Http WrongType = new(415, "The Content-Type differs from the one requested with the slot.");
    public static readonly Http WrongLength = new(400, "The body's length differs from the size requested with the slot.");
    public static readonly Http TooLong = new(413, "The body is longer than the size requested with the slot.");
    public static readonly Http Incomplete = new(400, "The body ended before the size requested with the slot.");
    public static readonly Http StorageFull = new(507, "The server's storage is full; try again later.");
    public static readonly Http CannotStore = new(500, "The upload could not be stored; try again later.");
    public static readonly Http Stopping = new(503, "The service is restarting; upload again with the same slot while it is valid.");
    /// <summary>No such file: never was, expired (even before the sweep), or deleted; the answer does not say which.</summary>
    public static readonly Http NotFound = new(404, "Not found.");
}
