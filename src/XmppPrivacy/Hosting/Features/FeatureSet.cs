using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Hosting.Features;

/// <summary>What the host needs to know of the declared features: options classes, components, schemas, HTTP routes, health, verbs.</summary>
public sealed class FeatureSet
{
    public List<OptionsClass> OptionTypes { get; } = [];
    /// <summary>The classes declared with <see cref="FeatureBuilder.Component{T}()"/>: their <c>[Xep]</c> attributes make <c>docs/xeps.md</c>.</summary>
    public List<Type> Components { get; } = [];
    public List<Schema> Schemas { get; } = [];
    public List<Action<IEndpointRouteBuilder>> Routes { get; } = [];
    public List<HealthDeclaration> Health { get; } = [];
    public List<VerbDeclaration> Verbs { get; } = [];
    /// <summary>What <c>check-config</c> asks each feature about the configuration: a warning, or null when all is well.</summary>
    public List<Func<Settings, string?>> ConfigChecks { get; } = [];

    /// <summary>Runs every feature's declaration against <paramref name="services"/>; without settings only records them.</summary>
    public static FeatureSet Declare(IEnumerable<IFeature> features, IServiceCollection services, Settings? settings)
    {
        var set = new FeatureSet();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            if (!names.Add(feature.Name)) throw new InvalidOperationException($"Two features are named {feature.Name}.");
            feature.Declare(new FeatureBuilder(feature.Name, services, settings, set));
        }
        return set;
    }

    /// <summary>The declarations alone (options, verbs), for docs and the CLI's help.</summary>
    public static FeatureSet Describe(IEnumerable<IFeature> features) => Declare(features, new ServiceCollection(), null);
}
