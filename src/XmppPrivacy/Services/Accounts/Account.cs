using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// An account on the XMPP server: how every store keys what it keeps about someone. The key is the bare JID
/// with local part and domain lower-cased (what nodeprep does to ASCII), so <c>Alice@Example.org</c> and
/// <c>alice@example.org</c> are one account in every store.
/// </summary>
public readonly record struct Account
{
    private Account(string local, string domain)
    {
        Local = local.ToLowerInvariant();
        Domain = domain.ToLowerInvariant();
    }

    public string Local { get; }
    public string Domain { get; }

    /// <summary>The stored form: <c>local@domain</c>, lower-cased.</summary>
    public string Key => Local + "@" + Domain;

    public Jid Jid => new(Local, Domain, null);

    /// <summary>The account a JID with a local part belongs to (its resource is ignored).</summary>
    public static bool TryFrom(Jid jid, out Account account)
    {
        account = jid.Local is null ? default : new Account(jid.Local, jid.Domain);
        return jid.Local is not null;
    }

    /// <summary>The account named by a stored key or any JID text with a local part.</summary>
    public static bool TryParse(string? text, out Account account)
    {
        account = default;
        return Jid.TryParse(text, out var jid) && TryFrom(jid, out account);
    }

    /// <summary>The account <paramref name="user"/> on <paramref name="host"/>, when the user name is a valid local part.</summary>
    public static bool TryCreate(string? user, string host, out Account account)
    {
        account = default;
        return !string.IsNullOrEmpty(user) && Jid.TryParse(user + "@" + host, out var jid) && jid.IsBare && TryFrom(jid, out account);
    }

    /// <summary>The account <paramref name="user"/> on <paramref name="host"/>, for a user name the server gave.</summary>
    public static Account Create(string user, string host) =>
        TryCreate(user, host, out var account) ? account : throw new ArgumentException("Not a valid user name.", nameof(user));

    public static Account Parse(string text) =>
        TryParse(text, out var account) ? account : throw new FormatException("Not an account's JID.");

    public static Account From(Jid jid) =>
        TryFrom(jid, out var account) ? account : throw new ArgumentException("An account needs a local part.", nameof(jid));

    public override string ToString() => Key;
}
