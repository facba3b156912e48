using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>One archived message: its stanza-id, original time, the other party, and the forwarded XML.</summary>
public sealed record ArchivedMessage(string Id, DateTimeOffset Timestamp, string With, ArchiveDirection Direction, string Xml)
{
    /// <summary>The stored <c>&lt;message/&gt;</c> as an element (the store only holds what it was given).</summary>
    public XElement ToElement() => XElement.Parse(Xml, LoadOptions.None);
}

/// <summary>
/// One page of a query, chronological (or reversed with flip-page). <see cref="First"/> and
/// <see cref="Last"/> are the ids of the first and last message as delivered; <see cref="Complete"/> is
/// true when no further page exists in the query's direction; <see cref="Count"/> counts every match.
/// </summary>
public sealed record ArchivePage(IReadOnlyList<ArchivedMessage> Messages, string? First, string? Last, bool Complete, int Count);

/// <summary>The id and time of a message, for the archive metadata (XEP-0313 §5.1).</summary>
public sealed record ArchiveMark(string Id, DateTimeOffset Timestamp);

/// <summary>The first and last message of the live archive, or nulls when it is empty.</summary>
public sealed record ArchiveMetadata(ArchiveMark? Start, ArchiveMark? End)
{
    /// <summary><c>&lt;metadata xmlns='urn:xmpp:mam:2'&gt;&lt;start id= timestamp=/&gt;&lt;end .../&gt;&lt;/metadata&gt;</c>.</summary>
    public XElement ToElement() => new(ArchiveNs.Mam + "metadata", Mark("start", Start), Mark("end", End));

    private static XElement? Mark(string name, ArchiveMark? mark) => mark is null ? null
        : new XElement(ArchiveNs.Mam + name, new XAttribute("id", mark.Id), new XAttribute("timestamp", XmppDateTime.Format(mark.Timestamp)));
}

/// <summary>One message to archive for <see cref="Owner"/>; <see cref="Id"/> is the bridge's stanza-id, if any.</summary>
public sealed record ArchiveEntry(Jid Owner, Jid With, ArchiveDirection Direction, DateTimeOffset Timestamp, XElement Message, string? Id = null);

/// <summary>What an append did: the message's archive id, and whether it was new (a replay is not).</summary>
public sealed record ArchiveAppend(string Id, bool Stored);
