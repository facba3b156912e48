using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// A parsed MAM v2 query: the XEP-0004 filters, the XEP-0059 page request and flip-page. It names no
/// owner: the store is always given the bare JID the server stamped, and nothing here can change it.
/// </summary>
public sealed record ArchiveQuery
{
    /// <summary>The client's <c>queryid</c>, echoed in each result.</summary>
    public string? QueryId { get; init; }

    /// <summary>Only messages with this party (compared as a bare JID).</summary>
    public Jid? With { get; init; }

    /// <summary>Only messages at or after this time.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Only messages at or before this time.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>#extended filter: only messages after the one with this id.</summary>
    public string? AfterId { get; init; }

    /// <summary>#extended filter: only messages before the one with this id.</summary>
    public string? BeforeId { get; init; }

    /// <summary>#extended filter: only the messages with these ids (unknown ones are left out).</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>The page size, already clamped to the page cap; 0 asks for the count only.</summary>
    public int Max { get; init; } = new ArchiveOptions().MaxPageSize;

    /// <summary>RSM <c>after</c>: the page after the message with this id.</summary>
    public string? After { get; init; }

    /// <summary>RSM <c>before</c>: the page before the message with this id; empty means the last page.</summary>
    public string? Before { get; init; }

    /// <summary>Deliver the page in reverse order (XEP-0313 flip-page).</summary>
    public bool FlipPage { get; init; }

    /// <summary>Paging backwards (an RSM <c>before</c>, empty or not), as Conversations does.</summary>
    public bool Backward => Before is not null;
}
