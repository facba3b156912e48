using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Activity;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Services.Notices;
using XmppPrivacy.Services.Transparency;
using XmppPrivacy.Storage;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Services.Transparency;

public sealed class PrivacyPolicyTests : IDisposable
{
    private static readonly Domains Demo = new("localhost", "privacy.localhost", "upload.localhost", "rooms.localhost");
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private (PrivacyPolicy Policy, DataPolicyForm Form) Make(ArchiveOptions? archive = null, TransparencyOptions? operatorFields = null,
        SweepsOptions? sweeps = null, NoticesOptions? notices = null)
    {
        archive ??= new ArchiveOptions();
        sweeps ??= new SweepsOptions();
        operatorFields ??= new TransparencyOptions();
        var database = new SqliteDatabase(_directory.File("policy.db"), XmppPrivacy.Hosting.Catalogue.Schemas);
        IDataPolicy[] policies =
        [
            new AccountsDataPolicy(Demo, database, new IncarnationStore(database)),
            new ActivityDataPolicy(Demo, database, new ActivityStore(database)),
            new ArchiveDataPolicy(archive, sweeps, Demo, database, new ArchiveStore(database, archive)),
            new NoticesDataPolicy(notices ?? new NoticesOptions(), Demo),
        ];
        var policy = new PrivacyPolicy(policies, operatorFields, Demo, sweeps);
        return (policy, new DataPolicyForm(policy, operatorFields, new PolicyAddress(operatorFields, new HttpOptions())));
    }

    private static string Field(DataForm form, string var) => string.Join(",", form.Fields.Single(f => f.Var == var).Values);

    [Fact]
    public void The_archives_retention_in_the_policy_is_the_configured_one_in_both_languages()
    {
        var (week, _) = Make();
        var (threeDays, _) = Make(new ArchiveOptions { ExpiresAfter = TimeSpan.FromDays(3) }, sweeps: new SweepsOptions { Interval = TimeSpan.FromMinutes(5) });

        Assert.Contains("At most 7 days: older messages are never shown and are deleted within 1 minute.", week.Render(Lang.En, PolicyFormat.Markdown));
        Assert.Contains("Höchstens 7 Tage: ältere Nachrichten werden nie mehr angezeigt und innerhalb von 1 Minute gelöscht.", week.Render(Lang.De, PolicyFormat.Markdown));
        Assert.Contains("At most 3 days: older messages are never shown and are deleted within 5 minutes.", threeDays.Render(Lang.En, PolicyFormat.Html));
        Assert.Contains("Höchstens 3 Tage: ältere Nachrichten werden nie mehr angezeigt und innerhalb von 5 Minuten gelöscht.", threeDays.Render(Lang.De, PolicyFormat.Html));
        Assert.DoesNotContain("7 days", threeDays.Render(Lang.En, PolicyFormat.Markdown));
    }

    [Fact]
    public void Opt_out_archiving_is_told_as_such()
    {
        var (optIn, _) = Make();
        var (optOut, _) = Make(new ArchiveOptions { DefaultPolicy = ArchivePolicy.Always });

        Assert.Contains("only once you have turned archiving on", optIn.Render(Lang.En, PolicyFormat.Markdown));
        Assert.Contains("unless you have turned archiving off", optOut.Render(Lang.En, PolicyFormat.Markdown));
        Assert.Contains("sofern Sie die Archivierung in Ihrem Client nicht ausgeschaltet haben", optOut.Render(Lang.De, PolicyFormat.Markdown));
    }

    [Fact]
    public void The_operators_words_are_quoted_marked_and_never_markup()
    {
        var (policy, _) = Make(operatorFields: new TransparencyOptions
        {
            OperatorName = "Hackspace <script>alert(1)</script> e.V.",
            Backups = "Nightly, kept 14 days. *Really* [link](javascript:x)",
        });

        var html = policy.Render(Lang.En, PolicyFormat.Html);
        var markdown = policy.Render(Lang.De, PolicyFormat.Markdown);

        Assert.DoesNotContain("<script>", html);
        Assert.Contains("Hackspace &lt;script&gt;alert(1)&lt;/script&gt; e.V.", html);
        Assert.Contains("<em>In the operator&#39;s words:</em></p><p>Nightly, kept 14 days.", html);
        Assert.Contains("> Nightly, kept 14 days. \\*Really\\* \\[link\\](javascript:x)", markdown);
        Assert.Contains("Der Betreiber hat dazu keine Angaben gemacht.", markdown); // web server logs, offline messages
        Assert.DoesNotContain("<script", html.Replace("&lt;script", ""));
    }

    [Fact]
    public void The_page_loads_nothing_and_runs_nothing()
    {
        var (policy, _) = Make();

        var html = policy.Render(Lang.De, PolicyFormat.Html);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<html lang=\"de\">", html);
        Assert.Contains("name=\"viewport\"", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("http", html.Replace("Datenschutz", ""), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Each_domains_data_policy_form_follows_the_configuration()
    {
        var (_, week) = Make();
        var (_, threeDays) = Make(new ArchiveOptions { ExpiresAfter = TimeSpan.FromDays(3) }, new TransparencyOptions { EncryptionAtRest = true, PolicyUrl = "https://example.org/privacy" });

        var privacy = week.For("privacy.localhost");
        Assert.Equal("urn:xmpp:data-policy:0", privacy.FormType);
        Assert.Equal("result", privacy.Type);
        Assert.Equal("168", Field(privacy, "data_retention"));
        Assert.Equal("1", Field(privacy, "data_deletion"));
        Assert.Equal("1", Field(privacy, "data_export"));
        Assert.Equal("1", Field(privacy, "full_erasure"));
        Assert.Equal("0", Field(privacy, "encryption_at_rest"));
        Assert.Equal("admins", Field(privacy, "access_policy"));
        Assert.Equal("http://127.0.0.1:5443/privacy", Field(privacy, "tos"));

        var changed = threeDays.For("privacy.localhost");
        Assert.Equal("72", Field(changed, "data_retention"));
        Assert.Equal("1", Field(changed, "encryption_at_rest"));
        Assert.Equal("https://example.org/privacy", Field(changed, "tos"));

        // A domain that keeps no content says so.
        Assert.Equal("0", Field(week.For("rooms.localhost"), "data_retention"));
    }

    [Theory]
    [InlineData(1 * 24 * 3600, "1 day", "1 Tag", "1 Tag")]
    [InlineData(7 * 24 * 3600, "7 days", "7 Tage", "7 Tagen")]
    [InlineData(24 * 3600 + 3600, "25 hours", "25 Stunden", "25 Stunden")]
    [InlineData(60, "1 minute", "1 Minute", "1 Minute")]
    [InlineData(90, "90 seconds", "90 Sekunden", "90 Sekunden")]
    [InlineData(3650 * 24 * 3600, "3,650 days", "3.650 Tage", "3.650 Tagen")]
    public void Durations_are_written_out_in_both_languages(int seconds, string en, string de, string deDative)
    {
        var span = TimeSpan.FromSeconds(seconds);

        Assert.Equal(en, Durations.Of(span).En);
        Assert.Equal(de, Durations.Of(span).De);
        Assert.Equal(deDative, Durations.Dative(span).De);
    }

    [Theory]
    [InlineData(null, Lang.En)]
    [InlineData("de", Lang.De)]
    [InlineData("de-AT,en;q=0.5", Lang.De)]
    [InlineData("en-US,de;q=0.9", Lang.En)]
    [InlineData("fr,de;q=0.8,en;q=0.5", Lang.De)]
    [InlineData("fr", Lang.En)]
    [InlineData("de;q=0.1,en;q=0.2", Lang.En)]
    [InlineData(";;;garbage===", Lang.En)]
    public void The_page_speaks_the_readers_preferred_language(string? acceptLanguage, Lang expected)
    {
        Assert.Equal(expected, PolicyPage.FromAcceptLanguage(acceptLanguage is null ? null : [acceptLanguage]));
    }
}
