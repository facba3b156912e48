namespace XmppPrivacy.Hosting.Options;

/// <summary>The configuration section an options class is bound from (<c>Archive</c>, <c>Component:Domains</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OptionsSectionAttribute(string name) : Attribute
{
    public string Name => name;
}

/// <summary>What a text option holds beyond "some text".</summary>
public enum OptionKind { Text, Domain, BareJids, HttpUrls, Path }

/// <summary>
/// One option: its meaning (for <c>docs/configuration.md</c> and <c>check-config</c>), its range, and how its
/// text is read. The type and the default come from the property itself; periods are written like
/// <c>30s</c>, <c>7d</c> (Prosody's <c>get_option_period</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class OptionAttribute(string meaning) : Attribute
{
    public string Meaning => meaning;

    /// <summary>The smallest value: a whole number, or a period such as <c>1s</c>.</summary>
    public string? Min { get; init; }

    /// <summary>The largest value: a whole number, or a period such as <c>1h</c>.</summary>
    public string? Max { get; init; }

    public OptionKind Kind { get; init; }

    /// <summary>Secrets are never printed or logged.</summary>
    public bool Secret { get; init; }
}
