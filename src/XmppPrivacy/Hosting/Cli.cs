using System.CommandLine;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Hosting;

/// <summary>
/// The verbs of <c>xmpp-privacy</c> (System.CommandLine, docs/adr/0006): the host's own (<c>run</c>,
/// <c>check-config</c>, <c>options</c>, <c>xeps</c>) and each feature's (<see cref="FeatureBuilder.Verb"/>),
/// which get their services from the same container as the server.
/// Exit codes: 0 done; 1 failed while running; 2 refused (a wrong argument or configuration).
/// </summary>
public static class Cli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Refused = 2;

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Catalogue.Features);

    public static async Task<int> RunAsync(string[] args, IReadOnlyList<IFeature> features)
    {
        var root = Build(features);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await Console.Error.WriteLineAsync("xmpp-privacy: " + error.Message);
            await Console.Error.WriteLineAsync("See 'xmpp-privacy --help'.");
            return Refused;
        }
        try
        {
            // SIGTERM is the host's to handle (HostOptions.ShutdownTimeout lets uploads finish or abort cleanly);
            // System.CommandLine's own handling would end the process with 143 after two seconds.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (ConfigurationException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("The HTTP address is already in use (Http:Urls).");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed static initialiser (SQLite's native library missing beside the binary) says why only inside.
            while (e is TypeInitializationException or TargetInvocationException && e.InnerException is { } cause) e = cause;
            await Console.Error.WriteLineAsync($"xmpp-privacy: failed: {e.GetType().Name}: {e.Message}");
            return Failed;
        }
    }

    /// <summary>Every verb, with its options and help.</summary>
    public static RootCommand Build(IReadOnlyList<IFeature> features)
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "The JSON configuration file. Every option can also be set as XMPPPRIVACY_<Section>__<Key>.",
            Recursive = true,
        };
        var root = new RootCommand("XmppPrivacy: makes an XMPP server keep the promises of its privacy policy. Without a verb: run.") { config };

        var run = new Command("run", "Connect to the XMPP server and serve until stopped (SIGTERM or Ctrl-C).");
        Func<ParseResult, CancellationToken, Task<int>> serve = async (parse, _) =>
        {
            var settings = Settings.From(Settings.Load(parse.GetValue(config)?.FullName));
            await using var app = ComponentHost.Build(settings, features: features);
            await ComponentHost.PrepareAsync(app, CancellationToken.None);
            await app.RunAsync();
            return Ok;
        };
        run.SetAction(serve);
        root.SetAction(serve);
        root.Add(run);

        var checkConfig = new Command("check-config", "Print the effective configuration (secrets hidden) and whether it is valid.");
        checkConfig.SetAction(parse =>
        {
            var settings = Settings.From(Settings.Load(parse.GetValue(config)?.FullName));
            Console.Write(settings.Describe());
            foreach (var check in FeatureSet.Describe(features).ConfigChecks)
                if (check(settings) is { } warning) Console.WriteLine("warning: " + warning);
            var component = settings.Get<ComponentOptions>();
            Console.WriteLine(component.Secret is null && component.SecretFile is null
                ? "warning: no component secret is set; 'run' will refuse to start." : "configuration is valid.");
            return Ok;
        });
        root.Add(checkConfig);

        foreach (var verb in FeatureSet.Describe(features).Verbs)
        {
            verb.Command.SetAction(async (parse, cancellationToken) =>
            {
                var settings = Settings.From(Settings.Load(parse.GetValue(config)?.FullName));
                await using var app = ComponentHost.Build(settings, features: features, mode: ComponentHost.Mode.Tool);
                await ComponentHost.PrepareAsync(app, cancellationToken);
                return await verb.Run(parse, app.Services, cancellationToken);
            });
            root.Add(verb.Command);
        }

        var options = new Command("options", "Print every option as a Markdown table (docs/configuration.md).");
        options.SetAction(_ =>
        {
            Console.Write(OptionsMarkdown(features));
            return Ok;
        });
        root.Add(options);

        var xeps = new Command("xeps", "Print the supported XEPs as a Markdown table (docs/xeps.md).");
        xeps.SetAction(_ =>
        {
            Console.Write(XepsMarkdown(features));
            return Ok;
        });
        root.Add(xeps);
        return root;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("xmpp-privacy: " + message);
        return Refused;
    }

    public static string OptionsMarkdown() => OptionsMarkdown(Catalogue.Features);

    public static string OptionsMarkdown(IReadOnlyList<IFeature> features)
    {
        var text = new StringBuilder("| option | environment variable | type | default | meaning |\n|---|---|---|---|---|\n");
        foreach (var option in Catalogue.OptionTypesOf(features).SelectMany(t => t.Options))
            text.Append($"| `{option.Key}` | `XMPPPRIVACY_{option.Key.Replace(":", "__")}` | {option.Type} | `{option.Default}` | {option.Meaning} |\n");
        return text.ToString();
    }

    public static string XepsMarkdown() => XepsMarkdown(Catalogue.Features);

    /// <summary>The <c>[Xep]</c> attributes of the features' components (not of every type in the assembly: a Native AOT binary lists only what it kept).</summary>
    public static string XepsMarkdown(IReadOnlyList<IFeature> features)
    {
        var rows = FeatureSet.Describe(features).Components.Distinct()
            .SelectMany(t => t.GetCustomAttributes<XepAttribute>().Select(x => (x, Service: t.Name)))
            .OrderBy(r => r.x.Number);
        var text = new StringBuilder("| XEP | version | where | note |\n|---|---|---|---|\n");
        foreach (var (xep, service) in rows)
            text.Append($"| [XEP-{xep.Number:0000}](https://xmpp.org/extensions/xep-{xep.Number:0000}.html) | {xep.Version} | `{service}` | {xep.Note} |\n");
        return text.ToString();
    }
}
