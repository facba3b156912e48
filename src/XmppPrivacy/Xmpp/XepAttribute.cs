namespace XmppPrivacy.Xmpp;

/// <summary>
/// Marks a service as implementing a XEP at a version; <c>docs/xeps.md</c> is generated from these
/// (<c>xmpp-privacy xeps</c>), so the list of supported specifications is never maintained by hand.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class XepAttribute(int number, string version, string? note = null) : Attribute
{
    public int Number { get; } = number;
    public string Version { get; } = version;
    public string? Note { get; } = note;
}
