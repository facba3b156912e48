namespace XmppPrivacy.Streams;

/// <summary>Bounds on what one inbound stanza may cost. Defaults keep a stanza under about 1 MiB.</summary>
public sealed record StreamLimits
{
    /// <summary>Bytes one stanza (and the whitespace before it) may take on the wire.</summary>
    public int MaxStanzaBytes { get; init; } = 1024 * 1024;
    /// <summary>Nesting depth inside one stanza (the stanza element is depth 1).</summary>
    public int MaxDepth { get; init; } = 64;
    /// <summary>Elements in one stanza.</summary>
    public int MaxElements { get; init; } = 5000;
    /// <summary>Attributes (namespace declarations included) on one element.</summary>
    public int MaxAttributes { get; init; } = 64;

    public static StreamLimits Default { get; } = new();
}
