using System.Xml.Linq;

namespace XmppPrivacy.Xmpp;

/// <summary>A stanza error (RFC 6120 §8.3): a type, a defined condition and a human-readable text.</summary>
public sealed record StanzaError(string Type, string Condition, string? Text = null, XElement? AppCondition = null)
{
    public static StanzaError BadRequest(string text) => new("modify", "bad-request", text);
    public static StanzaError Forbidden(string text) => new("auth", "forbidden", text);
    public static StanzaError ItemNotFound(string text) => new("cancel", "item-not-found", text);
    public static StanzaError NotAcceptable(string text) => new("modify", "not-acceptable", text);
    public static StanzaError ServiceUnavailable(string? text = null) => new("cancel", "service-unavailable", text);
    public static StanzaError FeatureNotImplemented(string text) => new("cancel", "feature-not-implemented", text);
    public static StanzaError ResourceConstraint(string text) => new("wait", "resource-constraint", text);
    public static StanzaError InternalServerError() => new("cancel", "internal-server-error", "The service could not handle this request.");

    /// <summary>The <c>&lt;error/&gt;</c> element, in the stanza namespace <paramref name="stanzaNamespace"/> (default: ours).</summary>
    public XElement ToElement(XNamespace? stanzaNamespace = null)
    {
        var error = new XElement((stanzaNamespace ?? Ns.Component) + "error", new XAttribute("type", Type),
            new XElement(Ns.Stanzas + Condition));
        if (Text is not null)
            error.Add(new XElement(Ns.Stanzas + "text", new XAttribute(XNamespace.Xml + "lang", "en"), Text));
        if (AppCondition is not null) error.Add(AppCondition);
        return error;
    }
}
