using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Storage;
using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Hosting.Features;

/// <summary>A CLI verb: its command (options, arguments, help) and what it runs with the component's services.</summary>
public sealed record VerbDeclaration(Command Command, Func<ParseResult, IServiceProvider, CancellationToken, Task<int>> Run);

/// <summary>One feature's part of <c>/health</c>: writes its JSON value, which the host puts under its key.</summary>
public sealed record HealthDeclaration(string Key, Func<Utf8JsonWriter, IServiceProvider, CancellationToken, Task> Write);

/// <summary>
/// Collects one feature's declarations. Services are registered as singletons in the host's container, in
/// catalogue order; what the host needs to know (options classes, schema, routes, health, verbs) is recorded
/// in the <see cref="FeatureSet"/>.
/// </summary>
public sealed class FeatureBuilder
{
    private readonly FeatureSet _set;
    private readonly Settings? _settings;

    internal FeatureBuilder(string name, IServiceCollection services, Settings? settings, FeatureSet set)
    {
        Name = name;
        Services = services;
        _settings = settings;
        _set = set;
    }

    public string Name { get; }

    /// <summary>The host's container, for what the feature uses inside itself (stores, helpers).</summary>
    public IServiceCollection Services { get; }

    /// <summary>An options class (<see cref="Options.OptionsSectionAttribute"/>), bound, validated on start and injectable.</summary>
    public FeatureBuilder Options<[DynamicallyAccessedMembers(OptionsClass.Needs)] T>() where T : class, new()
    {
        _set.OptionTypes.Add(OptionsClass.Of<T>());
        _settings?.Register<T>(Services);
        return this;
    }

    /// <summary>The feature's schema steps, versioned per feature and applied in order at start.</summary>
    public FeatureBuilder Schema(params Migration[] steps)
    {
        _set.Schemas.Add(new Schema(Name, steps));
        return this;
    }

    /// <summary>A singleton the feature's other parts use.</summary>
    public FeatureBuilder Singleton<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class
    {
        Services.AddSingleton<T>();
        return this;
    }

    /// <summary>Stanza handlers and disco (<see cref="IComponentService.Declare"/>).</summary>
    public FeatureBuilder Component<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, IComponentService
    {
        _set.Components.Add(typeof(T));
        return As<T, IComponentService>();
    }

    /// <summary>Stanza handlers and disco of a service built by <paramref name="create"/>.</summary>
    public FeatureBuilder Component<T>(Func<IServiceProvider, T> create) where T : class, IComponentService
    {
        _set.Components.Add(typeof(T));
        Services.AddSingleton(create);
        Services.AddSingleton<IComponentService>(sp => sp.GetRequiredService<T>());
        return this;
    }

    /// <summary>An expiry sweep, run every <c>Sweeps:Interval</c>.</summary>
    public FeatureBuilder Sweep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, ISweep => As<T, ISweep>();

    /// <summary>What the feature keeps about accounts: deleted with the account, listed for reconciliation.</summary>
    public FeatureBuilder AccountData<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, IAccountData => As<T, IAccountData>();

    /// <summary>
    /// What the feature stores and for how long, as the privacy policy, the XEP-0504 forms and the retention
    /// audit tell it (<see cref="Services.Transparency.IDataPolicy"/>).
    /// </summary>
    public FeatureBuilder Policy<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, Services.Transparency.IDataPolicy =>
        As<T, Services.Transparency.IDataPolicy>();

    /// <summary>Work that runs for the life of the host.</summary>
    public FeatureBuilder Background<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>() where T : class, IHostedService => As<T, IHostedService>();

    public FeatureBuilder Http(Action<IEndpointRouteBuilder> map)
    {
        _set.Routes.Add(map);
        return this;
    }

    /// <summary>
    /// The feature's part of <c>/health</c> under <paramref name="key"/>: a small record, written with the feature's
    /// source-generated JSON context (camelCase, like the rest of <c>/health</c>), so no reflection is needed.
    /// </summary>
    public FeatureBuilder Health<T>(string key, JsonTypeInfo<T> json, Func<IServiceProvider, CancellationToken, Task<T>> report)
    {
        _set.Health.Add(new HealthDeclaration(key, async (writer, services, cancellationToken) =>
            JsonSerializer.Serialize(writer, await report(services, cancellationToken), json)));
        return this;
    }

    /// <summary>A counter (name ending in <c>_total</c>), with at most one label whose values are never personal. Counts only, never per person.</summary>
    public FeatureBuilder Counter(string name, string help, string? label = null)
    {
        Services.AddSingleton(new MetricDeclaration(name, help, Label: label));
        return this;
    }

    /// <summary>A gauge read at each scrape.</summary>
    public FeatureBuilder Gauge(string name, string help, Func<IServiceProvider, double> read)
    {
        Services.AddSingleton(new MetricDeclaration(name, help, read));
        return this;
    }

    /// <summary>A check <c>check-config</c> runs on the configuration (e.g. a folder the feature writes to): a warning, or null.</summary>
    public FeatureBuilder ConfigCheck(Func<Settings, string?> check)
    {
        _set.ConfigChecks.Add(check);
        return this;
    }

    public FeatureBuilder Verb(Command command, Func<ParseResult, IServiceProvider, CancellationToken, Task<int>> run)
    {
        _set.Verbs.Add(new VerbDeclaration(command, run));
        return this;
    }

    private FeatureBuilder As<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T, TRole>() where T : class, TRole where TRole : class
    {
        Services.AddSingleton<T>();
        Services.AddSingleton<TRole>(sp => sp.GetRequiredService<T>());
        return this;
    }
}
