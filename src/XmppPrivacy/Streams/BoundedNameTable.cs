using System.Xml;

namespace XmppPrivacy.Streams;

/// <summary>
/// The name table of one connection's <see cref="XmlReader"/>, bounded however many distinct names the peer
/// sends. A plain <see cref="NameTable"/> keeps every name for the life of the reader, and a component
/// connection lives for weeks: a user sending stanzas with never-repeated names made it grow without end.
/// </summary>
/// <remarks>
/// The first names (the reader's own, the stream header's and the usual vocabulary) stay for good, so the
/// references the reader keeps across stanzas stay atomic. Later names go to a second table that
/// <see cref="Trim"/> drops between stanzas once it is large; within one stanza every name stays atomic.
/// </remarks>
internal sealed class BoundedNameTable : XmlNameTable
{
    private const int LastingNames = 1024;
    private const int LastingLength = 64;
    private const int RecentNames = 1024;

    private readonly NameTable _lasting = new();
    private int _lastingCount;
    private NameTable _recent = new();
    private int _recentCount;

    public override string Add(string key)
    {
        if (_lasting.Get(key) is { } lasting) return lasting;
        if (_lastingCount < LastingNames && key.Length <= LastingLength)
        {
            _lastingCount++;
            return _lasting.Add(key);
        }
        if (_recent.Get(key) is { } recent) return recent;
        _recentCount++;
        return _recent.Add(key);
    }

    public override string Add(char[] array, int offset, int length)
    {
        if (_lasting.Get(array, offset, length) is { } lasting) return lasting;
        if (_lastingCount < LastingNames && length <= LastingLength)
        {
            _lastingCount++;
            return _lasting.Add(array, offset, length);
        }
        if (_recent.Get(array, offset, length) is { } recent) return recent;
        _recentCount++;
        return _recent.Add(array, offset, length);
    }

    public override string? Get(string value) => _lasting.Get(value) ?? _recent.Get(value);

    public override string? Get(char[] array, int offset, int length) => _lasting.Get(array, offset, length) ?? _recent.Get(array, offset, length);

    /// <summary>Between stanzas: forgets the later names once there are many of them.</summary>
    public void Trim()
    {
        if (_recentCount <= RecentNames) return;
        _recent = new NameTable();
        _recentCount = 0;
    }
}
