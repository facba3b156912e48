namespace XmppPrivacy.Streams;

/// <summary>
/// A fault of the XML stream that ends it: <see cref="Condition"/> is the RFC 6120 §4.9.3 condition
/// we send (or received, when <see cref="FromPeer"/>). The text is ours and reveals no internals.
/// </summary>
public sealed class StreamErrorException(string condition, string text, bool fromPeer = false)
    : Exception(text)
{
    public string Condition { get; } = condition;
    public bool FromPeer { get; } = fromPeer;

    public static StreamErrorException NotWellFormed(string text) => new("not-well-formed", text);
    public static StreamErrorException RestrictedXml(string text) => new("restricted-xml", text);
    public static StreamErrorException PolicyViolation(string text) => new("policy-violation", text);
    public static StreamErrorException UnsupportedEncoding() => new("unsupported-encoding", "Only UTF-8 is accepted.");
}
