using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Core;

/// <summary>What every domain answers: disco (the router's, from the declarations), ping and version.</summary>
public sealed class CoreFeature : IFeature
{
    public string Name => "core";

    public void Declare(FeatureBuilder feature) => feature.Component(services => new CoreService(services.GetRequiredService<Domains>().Privacy));
}
