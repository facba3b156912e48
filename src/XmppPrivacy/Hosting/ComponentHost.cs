using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting.Features;
using XmppPrivacy.Hosting.Logging;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Routing;
using XmppPrivacy.Storage;
using XmppPrivacy.Streams;
using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Hosting;

/// <summary>
/// Wires the component: options, logging, storage, router, links, sweeps and HTTP, then every feature of the
/// catalogue through its own declaration. The CLI's verbs use the same container (<see cref="Mode.Tool"/>).
/// </summary>
public static class ComponentHost
{
    /// <summary>Serving runs the links, sweeps and HTTP; a tool (a CLI verb) only uses the services.</summary>
    public enum Mode { Serve, Tool }

    /// <param name="replace">Applied last, so it can replace a registration (the tests put a database in front of the real one).</param>
    /// <param name="features">The features to run (default: the catalogue's; tests may add their own).</param>
    public static WebApplication Build(Settings settings, TimeProvider? time = null, TextWriter? console = null,
        Action<IServiceCollection>? replace = null, IReadOnlyList<IFeature>? features = null, Mode mode = Mode.Serve)
    {
        time ??= TimeProvider.System;
        features ??= Catalogue.Features;
        var component = settings.Get<ComponentOptions>();
        var log = settings.Get<LogOptions>();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(settings.Get<HttpOptions>().Urls.Split(';'));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(log.Level);
        // Kestrel and the host log connection details (addresses) at Information and below.
        builder.Logging.AddFilter("Microsoft", log.Level > LogLevel.Warning ? log.Level : LogLevel.Warning);
        builder.Logging.AddProvider(new ScrubbingLoggerProvider(console ?? Console.Error, log.File, time));

        var services = builder.Services;
        settings.Register<ComponentOptions>(services);
        settings.Register<DomainsOptions>(services);
        settings.Register<HttpOptions>(services);
        settings.Register<StorageOptions>(services);
        settings.Register<SweepsOptions>(services);
        settings.Register<LogOptions>(services);
        services.AddSingleton(time);
        services.AddSingleton(settings);
        services.AddSingleton<Domains>();
        services.AddMetrics();
        services.AddSingleton(_ =>
        {
            // One registry per host (tests run several in one process), with the runtime's and the process's metrics.
            var registry = Prometheus.Metrics.NewCustomRegistry();
            Prometheus.DotNetStats.Register(registry);
            return registry;
        });
        services.AddSingleton(sp => new Metrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<Prometheus.CollectorRegistry>(),
            sp.GetServices<MetricDeclaration>(), sp));
        services.AddSingleton<LinkStatus>();
        services.AddSingleton<IqTracker>();
        services.AddSingleton(new RequestLimits(component.MaxRequestsPerUser, component.MaxRequests));
        services.AddSingleton(sp =>
        {
            var domains = sp.GetRequiredService<Domains>();
            return new Router(domains.Services, sp.GetServices<IComponentService>(), sp.GetRequiredService<IqTracker>(),
                sp.GetRequiredService<ILogger<Router>>(), domains.Server, sp.GetRequiredService<RequestLimits>());
        });
        services.AddSingleton<IStanzaRouter>(sp => sp.GetRequiredService<Router>());

        var declared = FeatureSet.Declare(features, services, settings);
        services.AddSingleton(declared);
        services.AddSingleton<IDatabase>(new SqliteDatabase(settings.Get<StorageOptions>().Path, [SweepRunStore.Schema, .. declared.Schemas]));

        services.AddSingleton<SweepRunStore>();
        services.AddSingleton<ISweep>(new LogFileSweep(log.File, log.RetentionDays));
        SweepService.DeclareMetrics(services);
        services.AddSingleton<SweepService>();
        if (mode == Mode.Serve)
        {
            services.AddSingleton(sp => Links(settings, sp.GetRequiredService<Domains>()));
            services.AddHostedService<ComponentLinks>();
            services.AddHostedService(sp => sp.GetRequiredService<SweepService>());
        }
        else
        {
            // A verb runs beside a serving component: it starts no feature's background work.
            services.RemoveAll<IHostedService>();
        }
        replace?.Invoke(services);

        var app = builder.Build();
        HttpEndpoints.Map(app, declared);
        return app;
    }

    /// <summary>Prepares storage before anything serves: a failure here stops the process loudly.</summary>
    public static Task PrepareAsync(WebApplication app, CancellationToken cancellationToken) =>
        app.Services.GetRequiredService<IDatabase>().MigrateAsync(cancellationToken);

    private static IReadOnlyList<ComponentLinkOptions> Links(Settings settings, Domains domains)
    {
        var component = settings.Get<ComponentOptions>();
        var secret = settings.ComponentSecret();
        var session = new ComponentSessionOptions
        {
            Limits = new StreamLimits
            {
                MaxStanzaBytes = component.MaxStanzaBytes,
                MaxDepth = component.MaxDepth,
                MaxElements = component.MaxElements,
                MaxAttributes = component.MaxAttributes,
            },
            HandshakeTimeout = component.HandshakeTimeout,
            KeepaliveInterval = component.KeepaliveInterval,
        };
        return domains.Services.Select(domain => new ComponentLinkOptions(
            domain, component.Host, component.Port, secret, component.ReconnectBaseDelay, component.ReconnectMaxDelay,
            component.StableAfter, component.ConnectTimeout, session)).ToList();
    }
}
