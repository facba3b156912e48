using XmppPrivacy.Hosting.Features;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Services.Notices;
using XmppPrivacy.Services.Rooms;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Services.Uploads;
using XmppPrivacy.Storage;

namespace XmppPrivacy.Hosting;

/// <summary>
/// The catalogue of features, like Prosody's <c>modules_enabled</c>: adding one is a folder under
/// <c>Services/</c> and a line here (docs/architecture.md, "Adding a feature").
/// </summary>
public static class Catalogue
{
    public static IReadOnlyList<IFeature> Features { get; } =
    [
        new CoreFeature(),
        new DelegationFeature(),
        new AccountsFeature(),
        new ActivityFeature(),
        new ArchiveFeature(),
        new NoticesFeature(),
        new RoomsFeature(),
        new BridgeFeature(),
        new UploadsFeature(),
        new TransparencyFeature(),
    ];

    /// <summary>The host's own options: the links, HTTP, storage, sweeps and the log.</summary>
    public static IReadOnlyList<OptionsClass> HostOptionTypes { get; } =
    [
        OptionsClass.Of<ComponentOptions>(), OptionsClass.Of<DomainsOptions>(), OptionsClass.Of<HttpOptions>(),
        OptionsClass.Of<StorageOptions>(), OptionsClass.Of<SweepsOptions>(), OptionsClass.Of<LogOptions>(),
    ];

    /// <summary>Every options class, host first, then the features' in catalogue order.</summary>
    public static IReadOnlyList<OptionsClass> OptionTypes => OptionTypesOf(Features);

    /// <summary>Every schema: the host's (sweep runs), then the features'.</summary>
    public static IReadOnlyList<Schema> Schemas => SchemasOf(Features);

    public static IReadOnlyList<OptionsClass> OptionTypesOf(IEnumerable<IFeature> features) =>
        [.. HostOptionTypes, .. FeatureSet.Describe(features).OptionTypes];

    public static IReadOnlyList<Schema> SchemasOf(IEnumerable<IFeature> features) =>
        [Sweeps.SweepRunStore.Schema, .. FeatureSet.Describe(features).Schemas];
}
