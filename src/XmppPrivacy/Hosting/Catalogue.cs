using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Hosting;

/// <summary>The catalogue of features: adding one is a folder under Services/ and a line here.</summary>
public static class Catalogue
{
    /// <summary>Every feature that keeps data about accounts: deletion goes through all of them.</summary>
    public static IReadOnlyList<IAccountData> AccountData(ActivityStore activity) => [activity];

    public static void AddServices(IServiceCollection services, Settings settings)
    {
        services.AddSingleton<CoreService>();
        services.AddSingleton(new DelegationService(settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain")));
        services.AddSingleton<ActivityStore>();
        services.AddSingleton<IEnumerable<IAccountData>>(sp => AccountData(sp.GetRequiredService<ActivityStore>()));
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
            sp.GetRequiredService<RegistrationNotices>(),
            sp.GetRequiredService<InactiveAccountsCommand>(),
        ]);
    }
}
