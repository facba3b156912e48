using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Tests.Support;

namespace XmppPrivacy.Tests.Hosting;

/// <summary>
/// <see cref="Settings"/> from defaults, a JSON file, XMPPPRIVACY_ environment variables and overrides.
/// The one test that sets an environment variable lives in this class, whose tests never run in parallel.
/// </summary>
public sealed class SettingsTests
{
    private const string SecretValue = "hunter2-correct-horse";

    private static Settings From(params (string Key, string? Value)[] overrides) =>
        Settings.From(Settings.Load(null, overrides.ToDictionary(o => o.Key, o => o.Value)));

    private static ConfigurationException Refused(params (string Key, string? Value)[] overrides) =>
        Assert.Throws<ConfigurationException>(() => From(overrides));

    [Fact]
    public void Defaults_are_valid()
    {
        var settings = From();

        Assert.Equal(5347, settings.Get<ComponentOptions>().Port);
        Assert.Equal("127.0.0.1", settings.Get<ComponentOptions>().Host);
        Assert.Equal(["privacy.localhost", "upload.localhost", "rooms.localhost"], Domains(settings).Services);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Get<SweepsOptions>().Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Get<ComponentOptions>().ReconnectMaxDelay);
        Assert.Equal(1024 * 1024, settings.Get<ComponentOptions>().MaxStanzaBytes);
        Assert.Equal(LogLevel.Error, settings.Get<LogOptions>().Level);
        Assert.Null(settings.Get<ComponentOptions>().Secret);
        Assert.Equal(TimeSpan.FromDays(7), settings.Get<ArchiveOptions>().ExpiresAfter);
        Assert.Equal(ArchivePolicy.Never, settings.Get<ArchiveOptions>().DefaultPolicy);
    }

    [Fact]
    public void Every_default_in_the_catalogue_passes_its_own_check()
    {
        foreach (var option in Catalogue.OptionTypes.SelectMany(t => t.Options))
        {
            var text = option.Default == "(none)" ? "" : option.Default;
            var exception = Record.Exception(() => (object?)option.Parse(text));
            Assert.True(exception is null, $"{option.Key}: default '{option.Default}' is refused");
        }
    }

    [Fact]
    public void An_option_is_optional_exactly_when_its_property_is_nullable()
    {
        // The Native AOT binary cannot read nullability, so [Option(Optional = true)] says it; here the two must agree.
        var nullability = new NullabilityInfoContext();
        foreach (var option in Catalogue.OptionTypes.SelectMany(t => t.Options))
        {
            var nullable = nullability.Create(option.Property).WriteState == NullabilityState.Nullable;
            Assert.True(nullable == option.Property.GetCustomAttribute<OptionAttribute>()!.Optional,
                $"{option.Key}: the property is {(nullable ? "" : "not ")}nullable but the option is {(nullable ? "not " : "")}declared Optional");
        }
    }

    [Fact]
    public void Options_are_listed_in_the_order_their_class_declares_them()
    {
        Assert.Equal(
            typeof(ComponentOptions).GetProperties().OrderBy(p => p.MetadataToken).Select(p => "Component:" + p.Name),
            OptionsClass.Of<ComponentOptions>().Options.Select(o => o.Key));
    }

    [Fact]
    public void Every_option_key_is_declared_once()
    {
        var keys = Catalogue.OptionTypes.SelectMany(t => t.Options).Select(o => o.Key).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("Archive:ExpiresAfter", keys);
        Assert.DoesNotContain("Archive:SweepInterval", keys);
    }

    [Fact]
    public void Options_reach_the_services_through_the_options_pattern_and_are_validated_on_start()
    {
        var settings = From(("Archive:ExpiresAfter", "2d"));
        var services = new ServiceCollection();
        settings.Register<ArchiveOptions>(services);
        services.PostConfigure<ArchiveOptions>(_ => { });
        using var provider = services.BuildServiceProvider();

        Assert.Equal(TimeSpan.FromDays(2), provider.GetRequiredService<IOptions<ArchiveOptions>>().Value.ExpiresAfter);
        Assert.Same(provider.GetRequiredService<IOptions<ArchiveOptions>>().Value, provider.GetRequiredService<ArchiveOptions>());

        var invalid = new ServiceCollection();
        settings.Register<ArchiveOptions>(invalid);
        invalid.PostConfigure<ArchiveOptions>(o => typeof(ArchiveOptions).GetProperty(nameof(ArchiveOptions.MaxPageSize))!.SetValue(o, 0));
        using var refused = invalid.BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(() => refused.GetRequiredService<IOptions<ArchiveOptions>>().Value);
        Assert.Contains("Archive:MaxPageSize", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Component:Port", "0", "a whole number from 1 to 65535")]
    [InlineData("Component:Port", "65536", "a whole number from 1 to 65535")]
    [InlineData("Component:Port", "abc", "a whole number from 1 to 65535")]
    [InlineData("Sweeps:Interval", "7x", "a period from 1s to 1h")]
    [InlineData("Sweeps:Interval", "2h", "a period from 1s to 1h")]
    [InlineData("Component:ReconnectBaseDelay", "-1s", "a period from 100ms to 1m")]
    [InlineData("Log:Level", "Loud", "one of trace, debug, information, warning, error, critical, none")]
    [InlineData("Archive:DefaultPolicy", "sometimes", "one of never, always, roster")]
    [InlineData("Archive:ExpiresAfter", "0s", "a period from 1s to 3650d")]
    [InlineData("Notices:Admins", "not a jid@", "bare JIDs")]
    [InlineData("Component:ServerDomain", "a b", "a domain name")]
    [InlineData("Component:Domains:Privacy", "privacy..localhost", "a domain name")]
    [InlineData("Storage:Provider", "mysql", "one of sqlite")]
    [InlineData("Http:Urls", "ftp://127.0.0.1", "http:// or https:// URLs")]
    public void An_invalid_value_is_refused_with_the_key_the_value_and_what_is_allowed(string key, string value, string allowed)
    {
        var failure = Refused((key, value));

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_in_our_sections_is_refused_by_name()
    {
        var failure = Refused(("Component:Prot", "5347"), ("Archive:ExpiresAftr", "1d"));

        Assert.Contains("Archive:ExpiresAftr", failure.Message, StringComparison.Ordinal);

        Assert.Contains("Component:Prot", failure.Message, StringComparison.Ordinal);
        Assert.Contains("unknown option", failure.Message, StringComparison.Ordinal);
        Assert.Contains("docs/configuration.md", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_outside_our_sections_are_left_alone()
    {
        var settings = From(("Logging:LogLevel:Default", "Debug"), ("AllowedHosts", "*"));

        Assert.Equal(5347, settings.Get<ComponentOptions>().Port);
    }

    [Fact]
    public void Every_refused_value_is_reported_at_once()
    {
        var failure = Refused(("Component:Port", "0"), ("Log:Level", "Loud"), ("Component:Prot", "1"));

        Assert.Contains("Component:Port", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Log:Level", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Component:Prot", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_never_appears_in_a_refusal()
    {
        var failure = Refused(("Component:Secret", SecretValue), ("Component:Secrett", SecretValue), ("Component:Port", "0"));

        Assert.DoesNotContain(SecretValue, failure.Message, StringComparison.Ordinal);
        Assert.Contains("Component:Secrett", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_secret_never_appears_in_the_description()
    {
        var description = From(("Component:Secret", SecretValue)).Describe();

        Assert.DoesNotContain(SecretValue, description, StringComparison.Ordinal);
        Assert.Contains("Component:Secret = (set, hidden)", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 15 * 60)]
    [InlineData("24h", 24 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("1w", 7 * 86400)]
    [InlineData("00:01:00", 60)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData("2min", 120)]
    [InlineData(" 45s ", 45)]
    public void Periods_are_written_the_Prosody_way_or_as_a_TimeSpan(string text, int seconds)
    {
        Assert.True(OptionSpec.TryParsePeriod(text, out var period));
        Assert.Equal(TimeSpan.FromSeconds(seconds), period);
    }

    [Theory]
    [InlineData("7x")]
    [InlineData("1.5h")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("-1s")]
    [InlineData("1 w")]
    [InlineData("99999999d")]
    public void Other_period_texts_are_not_periods(string text)
    {
        Assert.False(OptionSpec.TryParsePeriod(text, out _));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 15 * 60)]
    [InlineData("1h", 3600)]
    [InlineData("00:01:00", 60)]
    public void A_period_option_takes_any_written_form(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), From(("Sweeps:Interval", text)).Get<SweepsOptions>().Interval);
    }

    [Fact]
    public void Week_and_day_periods_pass_a_period_option_that_allows_them()
    {
        var option = OptionSpec.Of(typeof(NarrowOptions)).Single();

        Assert.Equal(TimeSpan.FromDays(7), option.Parse("1w"));
        Assert.Equal(TimeSpan.FromDays(7), option.Parse("7d"));
        Assert.Equal(TimeSpan.FromHours(24), option.Parse("24h"));
        Assert.Throws<OptionSpec.Invalid>(() => option.Parse("30s"));
    }

    [Fact]
    public void An_environment_variable_wins_over_the_json_file_and_an_override_wins_over_both()
    {
        using var directory = new TempDirectory();
        var file = directory.File("xmpp-privacy.json");
        File.WriteAllText(file, """{ "Component": { "Port": 6001, "Host": "json.example", "ServerDomain": "json.example" } }""");
        Environment.SetEnvironmentVariable("XMPPPRIVACY_Component__Port", "6002");
        Environment.SetEnvironmentVariable("XMPPPRIVACY_Component__ServerDomain", "env.example");
        try
        {
            var settings = Settings.From(Settings.Load(file, new Dictionary<string, string?> { ["Component:ServerDomain"] = "override.example" }));

            Assert.Equal("json.example", settings.Get<ComponentOptions>().Host);
            Assert.Equal(6002, settings.Get<ComponentOptions>().Port);
            Assert.Equal("override.example", settings.Get<ComponentOptions>().ServerDomain);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XMPPPRIVACY_Component__Port", null);
            Environment.SetEnvironmentVariable("XMPPPRIVACY_Component__ServerDomain", null);
        }
    }

    [Fact]
    public void A_missing_configuration_file_is_refused_by_name()
    {
        var failure = Assert.Throws<ConfigurationException>(() => Settings.Load("/nonexistent/xmpp-privacy.json"));

        Assert.Contains("/nonexistent/xmpp-privacy.json", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_that_is_not_json_is_refused()
    {
        using var directory = new TempDirectory();
        var file = directory.File("broken.json");
        File.WriteAllText(file, "{ \"Component\": { \"Port\": ");

        var failure = Assert.Throws<ConfigurationException>(() => Settings.Load(file));

        Assert.Contains("not valid JSON", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_component_secret_is_the_first_line_of_the_secret_file()
    {
        using var directory = new TempDirectory();
        var file = directory.File("secret");
        File.WriteAllText(file, "  s3cret-from-file  \nsecond line\n");

        var settings = From(("Component:SecretFile", file));

        Assert.Equal("s3cret-from-file", settings.ComponentSecret());
    }

    [Fact]
    public void The_secret_option_wins_over_the_secret_file()
    {
        using var directory = new TempDirectory();
        var file = directory.File("secret");
        File.WriteAllText(file, "from-file\n");

        Assert.Equal(SecretValue, From(("Component:Secret", SecretValue), ("Component:SecretFile", file)).ComponentSecret());
    }

    [Fact]
    public void A_missing_or_empty_secret_is_refused_without_showing_a_secret()
    {
        using var directory = new TempDirectory();
        var empty = directory.File("empty");
        File.WriteAllText(empty, "\n");

        var none = Assert.Throws<ConfigurationException>(() => From().ComponentSecret());
        var missing = Assert.Throws<ConfigurationException>(() => From(("Component:SecretFile", directory.File("absent"))).ComponentSecret());
        var blank = Assert.Throws<ConfigurationException>(() => From(("Component:SecretFile", empty)).ComponentSecret());

        Assert.Contains("Component:Secret", none.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("is empty", blank.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_upload_or_rooms_domain_turns_that_connection_off()
    {
        var settings = From(("Component:Domains:Upload", ""), ("Component:Domains:Rooms", ""));

        Assert.Equal(["privacy.localhost"], Domains(settings).Services);
    }

    private static Domains Domains(Settings settings) => new(settings.Get<ComponentOptions>(), settings.Get<DomainsOptions>());

    [OptionsSection("Test")]
    private sealed class NarrowOptions
    {
        [Option("test", Min = "1h", Max = "3650d")]
        public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromDays(7);
    }
}
