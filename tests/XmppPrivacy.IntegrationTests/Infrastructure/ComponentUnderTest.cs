using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// The real component host (the same wiring as <c>xmpp-privacy run</c>) in this process, pointed at a
/// <see cref="ProsodyServer"/>, with its own database and HTTP port. Its log is captured so a test can
/// assert that nothing unexpected was logged as an error and no IP address appears.
/// </summary>
public sealed class ComponentUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ComponentUnderTest(WebApplication app, string state, int httpPort)
    {
        _app = app;
        State = state;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
    }

    public string State { get; }
    public HttpClient Http { get; }
    /// <summary>The database file in use (Storage:Path, which a test may point elsewhere).</summary>
    public string DatabasePath { get; private init; } = "";
    public IServiceProvider Services => _app.Services;

    public static Task<ComponentUnderTest> StartAsync(ProsodyServer prosody, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? replace = null, IReadOnlyList<IFeature>? features = null) =>
        StartAsync(prosody.ComponentPort, prosody.Secret, overrides, replace, features);

    public static Task<ComponentUnderTest> StartAsync(EjabberdServer ejabberd, IDictionary<string, string?>? overrides = null) =>
        StartAsync(ejabberd.ComponentPort, ejabberd.Secret, overrides);

    public static async Task<ComponentUnderTest> StartAsync(int componentPort, string secret, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? replace = null, IReadOnlyList<IFeature>? features = null)
    {
        var state = Repo.TempDirectory("xp-component");
        var httpPort = Repo.FreePort();
        var values = new Dictionary<string, string?>
        {
            ["Component:Port"] = componentPort.ToString(),
            ["Component:Secret"] = secret,
            ["Component:ServerDomain"] = "localhost",
            ["Component:ReconnectBaseDelay"] = "200ms",
            ["Component:ReconnectMaxDelay"] = "2s",
            ["Http:Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Storage:Path"] = Path.Combine(state, "xmpp-privacy.db"),
            ["Upload:StoragePath"] = Path.Combine(state, "uploads"),
            ["Log:Level"] = "Information",
        };
        features ??= Catalogue.Features;
        // The test servers declare the demo's clipboard service too: serve it, as the demo does, so that no
        // domain a client discovers is a component that never connects.
        if (features.Any(f => f is XmppPrivacy.Services.Uploads.UploadsFeature)) values["Upload:Services"] = "clipboard.localhost=24h";
        if (overrides is not null) foreach (var (k, v) in overrides) values[k] = v;
        var settings = Settings.From(Settings.Load(null, values), Catalogue.OptionTypesOf(features));
        var log = new StringWriter();
        var synchronised = TextWriter.Synchronized(log);
        var app = ComponentHost.Build(settings, console: synchronised, replace: replace, features: features);
        var component = new ComponentUnderTest(app, state, httpPort) { _log = log, _logSync = synchronised, DatabasePath = values["Storage:Path"]! };
        await ComponentHost.PrepareAsync(app, CancellationToken.None);
        await app.StartAsync();
        return component;
    }

    private StringWriter _log = new();
    private TextWriter _logSync = TextWriter.Null;

    public string Log
    {
        get
        {
            lock (_logSync) return _log.ToString();
        }
    }

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public async Task<JsonElement> HealthAsync()
    {
        using var response = await Http.GetAsync("/health");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    public async Task<long> MetricAsync(string line)
    {
        foreach (var entry in (await MetricsAsync()).Split('\n'))
            if (entry.StartsWith(line + " ", StringComparison.Ordinal))
                return long.Parse(entry[(line.Length + 1)..]);
        return 0;
    }

    public Task WaitForStateAsync(string domain, string state, TimeSpan? timeout = null) =>
        Repo.WaitUntilAsync(async () =>
        {
            var health = await HealthAsync();
            return health.GetProperty("links").EnumerateArray()
                .Any(l => l.GetProperty("domain").GetString() == domain && l.GetProperty("state").GetString() == state);
        }, timeout ?? TimeSpan.FromSeconds(20), $"{domain} is {state}");

    public Task WaitForAllConnectedAsync() =>
        Repo.WaitUntilAsync(async () => (await HealthAsync()).GetProperty("status").GetString() == "ok",
            TimeSpan.FromSeconds(20), "every domain is connected");

    /// <summary>Error lines in the log that the test did not expect.</summary>
    public IReadOnlyList<string> ErrorLines(params string[] expected) =>
        Log.Split('\n').Where(l => l.Contains(" fail ") || l.Contains(" crit "))
            .Where(l => !expected.Any(e => l.Contains(e, StringComparison.Ordinal))).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Http.Dispose();
        try
        {
            Directory.Delete(State, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
