using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>A value or the stanza error that explains why there is none: expected failures are values.</summary>
public readonly record struct ArchiveOutcome<T>(T? Value, StanzaError? Error) where T : class
{
    public bool Failed => Error is not null;

    public static implicit operator ArchiveOutcome<T>(T value) => new(value, null);
    public static implicit operator ArchiveOutcome<T>(StanzaError error) => new(null, error);
}
