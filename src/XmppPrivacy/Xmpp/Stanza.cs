using System.Xml.Linq;

namespace XmppPrivacy.Xmpp;

/// <summary>Helpers over stanzas kept as <see cref="XElement"/> in <see cref="Ns.Component"/>.</summary>
public static class Stanza
{
    public static string Kind(this XElement stanza) => stanza.Name.LocalName;
    public static string? Type(this XElement stanza) => (string?)stanza.Attribute("type");
    public static string? Id(this XElement stanza) => (string?)stanza.Attribute("id");
    public static string? FromText(this XElement stanza) => (string?)stanza.Attribute("from");
    public static string? ToText(this XElement stanza) => (string?)stanza.Attribute("to");

    public static Jid? From(this XElement stanza) => Jid.TryParse(stanza.FromText(), out var jid) ? jid : null;
    public static Jid? To(this XElement stanza) => Jid.TryParse(stanza.ToText(), out var jid) ? jid : null;

    /// <summary>True for stanzas that must never be answered with an error (RFC 6120 §8.3.1).</summary>
    public static bool MustNotBeAnswered(this XElement stanza) =>
        stanza.Type() == "error" || (stanza.Kind() == "iq" && stanza.Type() == "result");

    public static XElement Iq(string type, string? from, string? to, string? id, params object?[] content) =>
        new(Ns.Component + "iq", Attributes(type, from, to, id), content);

    public static XElement Message(string? type, string? from, string? to, string? id, params object?[] content) =>
        new(Ns.Component + "message", Attributes(type, from, to, id), content);

    /// <summary>An IQ result to <paramref name="request"/> with from/to swapped.</summary>
    public static XElement ResultFor(XElement request, params object?[] content) =>
        Iq("result", request.ToText(), request.FromText(), request.Id(), content);

    /// <summary>An error reply to <paramref name="request"/>: same kind, from/to swapped, type error.</summary>
    public static XElement ErrorFor(XElement request, StanzaError error) =>
        new(Ns.Component + request.Kind(), Attributes("error", request.ToText(), request.FromText(), request.Id()),
            error.ToElement());

    private static IEnumerable<XAttribute> Attributes(string? type, string? from, string? to, string? id)
    {
        if (type is not null) yield return new XAttribute("type", type);
        if (from is not null) yield return new XAttribute("from", from);
        if (to is not null) yield return new XAttribute("to", to);
        if (id is not null) yield return new XAttribute("id", id);
    }
}
