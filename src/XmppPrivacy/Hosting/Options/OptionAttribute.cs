using System.Runtime.CompilerServices;

namespace XmppPrivacy.Hosting.Options;

/// <summary>The configuration section an options class is bound from (<c>Archive</c>, <c>Component:Domains</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OptionsSectionAttribute(string name) : Attribute
{
    public string Name => name;
}

/// <summary>What a text option holds beyond "some text".</summary>
public enum OptionKind { Text, Domain, BareJids, HttpUrls, Path, DomainPeriods }

/// <summary>
/// One option: its meaning (for <c>docs/configuration.md</c> and <c>check-config</c>), its range, and how its
/// text is read. The type and the default come from the property itself; periods are written like
/// <c>30s</c>, <c>7d</c> (Prosody's <c>get_option_period</c>).
/// </summary>
/// <param name="line">Filled in by the compiler: options are listed in the order their class declares them (read
/// from here because a Native AOT binary has no metadata tokens to sort properties by).</param>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class OptionAttribute(string meaning, [CallerLineNumber] int line = 0) : Attribute
{
    public string Meaning => meaning;

    /// <summary>Where the option is declared in its class; options are listed in this order.</summary>
    public int Line => line;

    /// <summary>The smallest value: a whole number, or a period such as <c>1s</c>.</summary>
    public string? Min { get; init; }

    /// <summary>The largest value: a whole number, or a period such as <c>1h</c>.</summary>
    public string? Max { get; init; }

    public OptionKind Kind { get; init; }

    /// <summary>Secrets are never printed or logged.</summary>
    public bool Secret { get; init; }

    /// <summary>
    /// Empty text leaves the option unset (null): a nullable property says so here too, since a Native AOT binary
    /// cannot read nullability (a test checks that the two agree).
    /// </summary>
    public bool Optional { get; init; }
}
