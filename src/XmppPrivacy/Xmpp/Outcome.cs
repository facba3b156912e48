namespace XmppPrivacy.Xmpp;

/// <summary>A value or the stanza error that explains why there is none: expected failures are values.</summary>
public readonly record struct Outcome<T>(T? Value, StanzaError? Error) where T : class
{
    public bool Failed => Error is not null;

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(StanzaError error) => new(null, error);
}
