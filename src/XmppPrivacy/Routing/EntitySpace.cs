using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// What a service declares for the entities of its domain (<c>room@host</c>, <c>room@host/nick</c>), as
/// Prosody's <c>iq/bare</c>, <c>message/full</c>, <c>presence/full</c> events do: IQs by (type, child), messages
/// and presences by their type (a presence needs no child at all), and the entities' disco.
/// </summary>
public sealed class EntitySpaceBuilder(string domain)
{
    /// <summary>The message types (RFC 6120 §5.2.2); an absent or unknown type is <c>normal</c>.</summary>
    public static readonly IReadOnlySet<string> MessageTypes = new HashSet<string>(StringComparer.Ordinal)
        { "normal", "chat", "groupchat", "headline", "error" };

    /// <summary>The presence types (RFC 6121 §4.7.1); an absent type is <c>available</c>.</summary>
    public static readonly IReadOnlySet<string> PresenceTypes = new HashSet<string>(StringComparer.Ordinal)
        { "available", "unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error" };

    internal readonly Dictionary<(string Type, XName Child), IqHandler> IqRoutes = [];
    internal readonly Dictionary<string, EntityStanzaHandler> MessageRoutes = new(StringComparer.Ordinal);
    internal readonly Dictionary<string, EntityStanzaHandler> PresenceRoutes = new(StringComparer.Ordinal);
    internal EntityStanzaHandler? OtherMessageHandler;
    internal EntityStanzaHandler? OtherPresenceHandler;
    internal EntityInfoHandler? InfoHandler;
    internal EntityStanzaHandler? FullJidIqHandler;
    internal EntityStanzaHandler? IqResponseHandler;
    internal EntityItemsHandler? ItemsHandler;

    public string Domain => domain;

    /// <summary>Routes IQs of <paramref name="type"/> (get or set) to an entity whose payload is <paramref name="child"/>.</summary>
    public EntitySpaceBuilder Iq(string type, XName child, IqHandler handler)
    {
        if (type is not ("get" or "set")) throw new ArgumentException("IQ routes are for get or set.", nameof(type));
        if (type == "get" && (child == Ns.DiscoInfo + "query" || child == Ns.DiscoItems + "query"))
            throw new ArgumentException("An entity's disco is declared with Info and Items.", nameof(child));
        if (!IqRoutes.TryAdd((type, child), handler))
            throw new InvalidOperationException($"Two handlers for iq {type} {child} on the entities of {domain}.");
        return this;
    }

    /// <summary>
    /// Routes messages of <paramref name="type"/> to an entity: <c>normal</c> (or null: no type), <c>chat</c>,
    /// <c>groupchat</c>, <c>headline</c>, or <c>error</c> (errors reach only a handler declared for them).
    /// </summary>
    public EntitySpaceBuilder Message(string? type, EntityStanzaHandler handler)
    {
        type ??= "normal";
        if (!MessageTypes.Contains(type)) throw new ArgumentException($"'{type}' is no message type.", nameof(type));
        if (!MessageRoutes.TryAdd(type, handler))
            throw new InvalidOperationException($"Two handlers for messages of type {type} on the entities of {domain}.");
        return this;
    }

    /// <summary>Routes messages of every type not declared with <see cref="Message"/>, except errors.</summary>
    public EntitySpaceBuilder OtherMessages(EntityStanzaHandler handler)
    {
        if (OtherMessageHandler is not null) throw new InvalidOperationException($"Two handlers for other messages on the entities of {domain}.");
        OtherMessageHandler = handler;
        return this;
    }

    /// <summary>
    /// Routes presences of <paramref name="type"/> to an entity, with or without children: null (available),
    /// <c>unavailable</c>, <c>subscribe</c>, <c>subscribed</c>, <c>unsubscribe</c>, <c>unsubscribed</c>, <c>probe</c>
    /// or <c>error</c> (errors reach only a handler declared for them).
    /// </summary>
    public EntitySpaceBuilder Presence(string? type, EntityStanzaHandler handler)
    {
        type ??= "available";
        if (!PresenceTypes.Contains(type)) throw new ArgumentException($"'{type}' is no presence type.", nameof(type));
        if (!PresenceRoutes.TryAdd(type, handler))
            throw new InvalidOperationException($"Two handlers for presences of type {type} on the entities of {domain}.");
        return this;
    }

    /// <summary>Routes presences of every type not declared with <see cref="Presence"/>, except errors.</summary>
    public EntitySpaceBuilder OtherPresences(EntityStanzaHandler handler)
    {
        if (OtherPresenceHandler is not null) throw new InvalidOperationException($"Two handlers for other presences on the entities of {domain}.");
        OtherPresenceHandler = handler;
        return this;
    }

    /// <summary>
    /// Answers disco#info of an entity (a room, an occupant) and its nodes: the router renders what it returns with
    /// <see cref="DiscoInfo.ToQuery"/>, adding the disco#info feature, or answers item-not-found for null.
    /// </summary>
    public EntitySpaceBuilder Info(EntityInfoHandler handler)
    {
        if (InfoHandler is not null) throw new InvalidOperationException($"Two disco#info handlers on the entities of {domain}.");
        InfoHandler = handler;
        return this;
    }

    /// <summary>Answers disco#items of an entity: the router renders what it returns, or item-not-found for null.</summary>
    public EntitySpaceBuilder Items(EntityItemsHandler handler)
    {
        if (ItemsHandler is not null) throw new InvalidOperationException($"Two disco#items handlers on the entities of {domain}.");
        ItemsHandler = handler;
        return this;
    }

    /// <summary>
    /// Takes the IQ gets and sets addressed to a full JID of the space (<c>room@host/nick</c>) that no <see cref="Iq"/>
    /// route claims, disco included, to pass them on (XEP-0045 §18.1.4): the handler answers nothing itself; an error
    /// it returns is sent by the router. The answers come back through <see cref="IqResponses"/>.
    /// </summary>
    public EntitySpaceBuilder FullJidIqs(EntityStanzaHandler handler)
    {
        if (FullJidIqHandler is not null) throw new InvalidOperationException($"Two handlers for IQs to full JIDs on the entities of {domain}.");
        FullJidIqHandler = handler;
        return this;
    }

    /// <summary>IQ results and errors addressed to an entity that answer none of the component's own IQs: answers to IQs a service passed on.</summary>
    public EntitySpaceBuilder IqResponses(EntityStanzaHandler handler)
    {
        if (IqResponseHandler is not null) throw new InvalidOperationException($"Two handlers for IQ responses on the entities of {domain}.");
        IqResponseHandler = handler;
        return this;
    }

    /// <summary>The handler for a message or presence of <paramref name="type"/> as it came (null: absent).</summary>
    internal EntityStanzaHandler? HandlerFor(string kind, string? type)
    {
        if (kind == "message")
        {
            var key = type is not null && MessageTypes.Contains(type) ? type : "normal";
            return MessageRoutes.GetValueOrDefault(key) ?? (key == "error" ? null : OtherMessageHandler);
        }
        var presence = type ?? "available";
        return PresenceRoutes.GetValueOrDefault(presence) ?? (presence == "error" ? null : OtherPresenceHandler);
    }
}
