using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting.Logging;
using XmppPrivacy.Routing;
using XmppPrivacy.Storage;
using XmppPrivacy.Streams;
using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Hosting;

/// <summary>Wires the component: options, logging, storage, router and services, links, sweeps and HTTP.</summary>
public static class ComponentHost
{
    /// <param name="replace">Applied last, so it can replace a registration (the tests put a database in front of the real one).</param>
    public static WebApplication Build(Settings settings, TimeProvider? time = null, TextWriter? console = null,
        Action<IServiceCollection>? replace = null)
    {
        time ??= TimeProvider.System;
        var secret = settings.ComponentSecret();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(settings.Get<string>("Http:Urls").Split(';'));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        // Kestrel and the host log connection details (addresses) at Information and below.
        builder.Logging.AddFilter("Microsoft", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
        builder.Logging.AddProvider(new ScrubbingLoggerProvider(console ?? Console.Error, settings.GetOptional<string>("Log:File"), time));

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(settings);
        services.AddSingleton<Metrics>();
        services.AddSingleton<LinkStatus>();
        services.AddSingleton<IqTracker>();
        services.AddSingleton<IDatabase>(new SqliteDatabase(settings.Get<string>("Storage:Path")));
        Catalogue.AddServices(services, settings);
        services.AddSingleton(sp => new Router(settings.Domains, sp.GetRequiredService<IEnumerable<IComponentService>>(),
            sp.GetRequiredService<IqTracker>(), sp.GetRequiredService<ILogger<Router>>(), settings.Get<string>("Component:ServerDomain"),
            new RequestLimits(settings.Get<int>("Component:MaxRequestsPerUser"), settings.Get<int>("Component:MaxRequests"))));
        services.AddSingleton<IStanzaRouter>(sp => sp.GetRequiredService<Router>());

        var session = new ComponentSessionOptions
        {
            Limits = new StreamLimits
            {
                MaxStanzaBytes = settings.Get<int>("Component:MaxStanzaBytes"),
                MaxDepth = settings.Get<int>("Component:MaxDepth"),
                MaxElements = settings.Get<int>("Component:MaxElements"),
                MaxAttributes = settings.Get<int>("Component:MaxAttributes"),
            },
            HandshakeTimeout = settings.Get<TimeSpan>("Component:HandshakeTimeout"),
            KeepaliveInterval = settings.Get<TimeSpan>("Component:KeepaliveInterval"),
        };
        IReadOnlyList<ComponentLinkOptions> links = settings.Domains.Select(domain => new ComponentLinkOptions(
            domain, settings.Get<string>("Component:Host"), settings.Get<int>("Component:Port"), secret,
            settings.Get<TimeSpan>("Component:ReconnectBaseDelay"), settings.Get<TimeSpan>("Component:ReconnectMaxDelay"),
            settings.Get<TimeSpan>("Component:StableAfter"), settings.Get<TimeSpan>("Component:ConnectTimeout"), session)).ToList();
        services.AddSingleton(links);
        services.AddHostedService<ComponentLinks>();

        services.AddSingleton(new SweepSchedule(settings.Get<TimeSpan>("Sweeps:Interval"), settings.Get<int>("Sweeps:BatchSize")));
        services.AddSingleton<SweepRunStore>();
        services.AddSingleton<ISweep>(new LogFileSweep(settings.GetOptional<string>("Log:File"), settings.Get<int>("Log:RetentionDays")));
        services.AddSingleton<ISweep, Services.Bridge.AccountReconcileSweep>();
        services.AddSingleton<SweepService>();
        services.AddHostedService(sp => sp.GetRequiredService<SweepService>());
        replace?.Invoke(services);

        var app = builder.Build();
        HttpEndpoints.Map(app);
        return app;
    }

    /// <summary>Prepares storage before anything serves: a failure here stops the process loudly.</summary>
    public static Task PrepareAsync(WebApplication app, CancellationToken cancellationToken) =>
        app.Services.GetRequiredService<IDatabase>().MigrateAsync(cancellationToken);
}
