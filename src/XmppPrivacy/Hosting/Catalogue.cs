using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Hosting;

/// <summary>The catalogue of features: adding one is a folder under Services/ and a line here.</summary>
public static class Catalogue
{
    /// <summary>Every feature that keeps data about accounts: deletion goes through all of them.</summary>
    public static IReadOnlyList<IAccountData> AccountData(ActivityStore activity, ArchiveStore archive) => [activity, archive];

    public static ArchiveOptions ArchiveSettings(Settings settings)
    {
        Services.Archive.ArchiveOptions.TryParsePolicy(settings.Get<string>("Archive:DefaultPolicy"), out var policy);
        return new ArchiveOptions
        {
            DefaultPolicy = policy,
            ExpiresAfter = settings.Get<TimeSpan>("Archive:ExpiresAfter"),
            MaxPageSize = settings.Get<int>("Archive:MaxPageSize"),
            SweepInterval = settings.Get<TimeSpan>("Archive:SweepInterval"),
            QueryTimeout = settings.Get<TimeSpan>("Archive:QueryTimeout"),
        };
    }

    public static void AddServices(IServiceCollection services, Settings settings)
    {
        services.AddSingleton<CoreService>();
        services.AddSingleton(new DelegationService(settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain")));
        services.AddSingleton<ActivityStore>();
        services.AddSingleton(sp => new ArchiveStore(sp.GetRequiredService<Storage.IDatabase>(), ArchiveSettings(settings)));
        services.AddSingleton<Sweeps.ISweep, ArchiveSweep>();
        // The stores, and what the running process keeps in memory about accounts.
        services.AddSingleton<IEnumerable<IAccountData>>(sp =>
            [.. AccountData(sp.GetRequiredService<ActivityStore>(), sp.GetRequiredService<ArchiveStore>()), sp.GetRequiredService<RosterLookup>()]);
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RosterLookup>(sp, settings.Get<string>("Component:Domains:Privacy")));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ArchiveService>(sp,
            settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain")));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RegistrationNotices>(sp,
            settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain"),
            new NoticesOptions(settings.GetOptional<IReadOnlyList<string>>("Notices:Admins") ?? [], settings.Get<int>("Notices:BurstCount"),
                settings.Get<TimeSpan>("Notices:BurstWindow"), settings.Get<bool>("Notices:NotifyDeletions"))));
        services.AddHostedService<NoticeDispatcher>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<InactiveAccountsCommand>(sp,
            settings.Get<string>("Component:Domains:Privacy"), settings.GetOptional<IReadOnlyList<string>>("Notices:Admins") ?? []));
        services.AddSingleton<AccountLifecycle>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BridgeService>(sp,
            settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain")));

        services.AddSingleton<IEnumerable<IComponentService>>(sp =>
        [
            sp.GetRequiredService<CoreService>(),
            sp.GetRequiredService<BridgeService>(),
            sp.GetRequiredService<DelegationService>(),
            sp.GetRequiredService<ArchiveService>(),
            sp.GetRequiredService<RegistrationNotices>(),
            sp.GetRequiredService<InactiveAccountsCommand>(),
        ]);
    }
}
