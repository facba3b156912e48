using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace XmppPrivacy.Hosting.Options;

/// <summary>
/// An options class as the host reads it: its section, its options and a fresh instance with the defaults. Made
/// only from a <c>typeof</c> the compiler can see (<see cref="Of{T}"/>), so that a trimmed Native AOT binary keeps
/// what reading it needs: the public properties and the parameterless constructor.
/// </summary>
public sealed class OptionsClass
{
    /// <summary>What reading an options class needs kept.</summary>
    public const DynamicallyAccessedMemberTypes Needs =
        DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;

    private OptionsClass([DynamicallyAccessedMembers(Needs)] Type type)
    {
        Type = type;
        Section = type.GetCustomAttribute<OptionsSectionAttribute>()?.Name
            ?? throw new InvalidOperationException($"{type.Name} needs an [OptionsSection].");
    }

    public static OptionsClass Of<[DynamicallyAccessedMembers(Needs)] T>() where T : class, new() => new(typeof(T));

    [DynamicallyAccessedMembers(Needs)]
    public Type Type { get; }

    /// <summary>The configuration section it is bound from (<c>Archive</c>, <c>Component:Domains</c>).</summary>
    public string Section { get; }

    /// <summary>Its options, in declaration order.</summary>
    public IReadOnlyList<OptionSpec> Options => OptionSpec.Of(Type);

    /// <summary>An instance holding the defaults.</summary>
    public object CreateDefaults() => Activator.CreateInstance(Type)!;

    public override string ToString() => Type.Name;
}
