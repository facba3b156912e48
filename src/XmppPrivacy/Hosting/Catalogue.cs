using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Core;

namespace XmppPrivacy.Hosting;

/// <summary>The catalogue of features: adding one is a folder under Services/ and a line here.</summary>
public static class Catalogue
{
    public static void AddServices(IServiceCollection services, Settings settings)
    {
        services.AddSingleton<CoreService>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BridgeService>(sp,
            settings.Get<string>("Component:Domains:Privacy"), settings.Get<string>("Component:ServerDomain")));

        services.AddSingleton<IEnumerable<IComponentService>>(sp =>
        [
            sp.GetRequiredService<CoreService>(),
            sp.GetRequiredService<BridgeService>(),
        ]);
    }
}
