namespace XmppPrivacy.Xmpp;

/// <summary>
/// A JID (RFC 7622) as far as the component needs it: split into parts, checked for the obvious
/// (one '@' before the domain, no empty parts, at most 1023 bytes a part). No stringprep.
/// </summary>
public readonly record struct Jid(string? Local, string Domain, string? Resource)
{
    private const int MaxPartLength = 1023;

    public Jid Bare => new(Local, Domain, null);
    public bool IsBare => Resource is null;
    public bool IsDomain => Local is null && Resource is null;

    /// <summary>The bare JID with local part and domain lower-cased (what nodeprep does to ASCII): how an account is keyed.</summary>
    public string BareKey => (Local is null ? "" : Local.ToLowerInvariant() + "@") + Domain.ToLowerInvariant();

    public static bool TryParse(string? text, out Jid jid)
    {
        jid = default;
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/');
        var resource = slash >= 0 ? text[(slash + 1)..] : null;
        var rest = slash >= 0 ? text[..slash] : text;
        var at = rest.IndexOf('@');
        if (at != rest.LastIndexOf('@')) return false;
        var local = at >= 0 ? rest[..at] : null;
        var domain = at >= 0 ? rest[(at + 1)..] : rest;
        if (domain.Length == 0 || domain.Length > MaxPartLength) return false;
        if (local is { Length: 0 or > MaxPartLength }) return false;
        if (resource is { Length: 0 or > MaxPartLength }) return false;
        if (domain.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '/')) return false;
        if (local is not null && local.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '&' or '\'' or ':' or '<' or '>')) return false;
        jid = new Jid(local, domain.TrimEnd('.').ToLowerInvariant(), resource);
        return true;
    }

    public static Jid Parse(string text) =>
        TryParse(text, out var jid) ? jid : throw new FormatException("Not a valid JID.");

    public override string ToString() =>
        (Local is null ? "" : Local + "@") + Domain + (Resource is null ? "" : "/" + Resource);
}
