using System.Reflection;
using System.Text;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Hosting;

/// <summary>The verbs of <c>xmpp-privacy</c>. Start-up errors print one clear message and exit non-zero.</summary>
public static class Cli
{
    private const string Usage = """
        usage: xmpp-privacy <verb> [--config FILE]

          run            connect to the XMPP server and serve (default)
          check-config   print the effective configuration (secrets hidden) and exit
          inactive [--days N]
                         list accounts whose last login or logout is older than N days (default 180)
          forget-account USER@DOMAIN
                         delete everything the component keeps about an account (as its deletion would)
          options        print every option as a Markdown table (docs/configuration.md)
          xeps           print the supported XEPs as a Markdown table (docs/xeps.md)

        Every option can be set in the JSON file or as XMPPPRIVACY_<Section>__<Key>.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        string? verb = null;
        string? argument = null;
        string? config = null;
        var days = 180;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c")
            {
                if (i + 1 >= args.Length) return Fail("--config needs a file name.");
                config = args[++i];
            }
            else if (args[i] == "--days")
            {
                if (i + 1 >= args.Length || !int.TryParse(args[++i], out days) || days is < 1 or > 36_500)
                    return Fail("--days needs a whole number from 1 to 36500.");
            }
            else if (args[i] is "--help" or "-h")
            {
                Console.WriteLine(Usage);
                return 0;
            }
            else if (verb is null && !args[i].StartsWith('-'))
            {
                verb = args[i];
            }
            else if (verb == "forget-account" && argument is null && !args[i].StartsWith('-'))
            {
                argument = args[i];
            }
            else
            {
                return Fail($"unexpected argument '{args[i]}' (see --help).");
            }
        }
        verb ??= "run";
        try
        {
            switch (verb)
            {
                case "run":
                    {
                        var settings = Settings.From(Settings.Load(config));
                        await using var app = ComponentHost.Build(settings);
                        await ComponentHost.PrepareAsync(app, CancellationToken.None);
                        await app.RunAsync();
                        return 0;
                    }
                case "check-config":
                    {
                        var settings = Settings.From(Settings.Load(config));
                        Console.Write(settings.Describe());
                        Console.WriteLine(settings.GetOptional<string>("Component:Secret") is null && settings.GetOptional<string>("Component:SecretFile") is null
                            ? "warning: no component secret is set; 'run' will refuse to start." : "configuration is valid.");
                        return 0;
                    }
                case "inactive":
                    {
                        var (_, database) = await OpenDatabaseAsync(config);
                        var before = DateTimeOffset.UtcNow.AddDays(-days);
                        var inactive = await new Services.Activity.ActivityStore(database).InactiveSinceAsync(before, 10_000, CancellationToken.None);
                        Console.WriteLine($"{inactive.Count} account(s) without login or logout since {before:yyyy-MM-dd} ({days} days):");
                        foreach (var record in inactive)
                            Console.WriteLine($"  {record.Account}  last seen {record.LastSeen:yyyy-MM-dd HH:mm} UTC");
                        return 0;
                    }
                case "forget-account":
                    {
                        if (argument is null || !Xmpp.Jid.TryParse(argument, out var jid) || jid.Local is null || !jid.IsBare)
                            return Fail("forget-account needs the account's bare JID, e.g. alice@example.org.");
                        var (settings, database) = await OpenDatabaseAsync(config);
                        var total = 0;
                        foreach (var owner in Catalogue.AccountData(new Services.Activity.ActivityStore(database),
                                     new Services.Archive.ArchiveStore(database, Catalogue.ArchiveSettings(settings))))
                        {
                            var deleted = await owner.DeleteAccountAsync(jid.ToString(), CancellationToken.None);
                            Console.WriteLine($"  {owner.Name}: {deleted} item(s) deleted");
                            total += deleted;
                        }
                        Console.WriteLine($"{jid}: {total} item(s) deleted in all.");
                        return 0;
                    }
                case "options":
                    Console.Write(OptionsMarkdown());
                    return 0;
                case "xeps":
                    Console.Write(XepsMarkdown());
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 64;
            }
        }
        catch (ConfigurationException e)
        {
            return Fail(e.Message);
        }
        catch (IOException e) when (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("The HTTP address is already in use (Http:Urls).");
        }
    }

    /// <summary>The configured database, migrated, for verbs that work on it while the component may be running.</summary>
    private static async Task<(Settings Settings, Storage.SqliteDatabase Database)> OpenDatabaseAsync(string? config)
    {
        var settings = Settings.From(Settings.Load(config));
        var database = new Storage.SqliteDatabase(settings.Get<string>("Storage:Path"));
        await database.MigrateAsync(CancellationToken.None);
        return (settings, database);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("xmpp-privacy: " + message);
        return 2;
    }

    public static string OptionsMarkdown()
    {
        var text = new StringBuilder("| option | environment variable | type | default | meaning |\n|---|---|---|---|---|\n");
        foreach (var option in OptionCatalogue.All)
            text.Append($"| `{option.Key}` | `XMPPPRIVACY_{option.Key.Replace(":", "__")}` | {option.Type} | `{option.Default}` | {option.Meaning} |\n");
        return text.ToString();
    }

    public static string XepsMarkdown()
    {
        var rows = typeof(Cli).Assembly.GetTypes()
            .Where(t => typeof(IComponentService).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<XepAttribute>().Select(x => (x, Service: t.Name)))
            .OrderBy(r => r.x.Number);
        var text = new StringBuilder("| XEP | version | where | note |\n|---|---|---|---|\n");
        foreach (var (xep, service) in rows)
            text.Append($"| [XEP-{xep.Number:0000}](https://xmpp.org/extensions/xep-{xep.Number:0000}.html) | {xep.Version} | `{service}` | {xep.Note} |\n");
        return text.ToString();
    }
}
