using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using XmppPrivacy.Hosting.Options;

namespace XmppPrivacy.Hosting;

/// <summary>A configuration value was refused; the message names the key, the value and what is allowed.</summary>
public sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// The effective configuration: every options class of the host and of the features (<see cref="Catalogue"/>),
/// bound from defaults, the JSON file and <c>XMPPPRIVACY_</c> environment variables (later wins) and checked
/// as a whole, so start-up names every refused value at once. Unknown keys in any declared section are
/// refused, so a typo never silently keeps a default. The same values reach the services through the
/// Options pattern (<see cref="Register{T}"/>).
/// </summary>
public sealed class Settings
{
    private readonly Dictionary<Type, object> _options = [];
    private readonly Dictionary<string, string> _sources = new(StringComparer.OrdinalIgnoreCase);

    private Settings(IReadOnlyList<OptionsClass> types) => Types = types;

    /// <summary>The options classes, in the order <c>docs/configuration.md</c> lists them.</summary>
    public IReadOnlyList<OptionsClass> Types { get; }

    public IEnumerable<OptionSpec> Specs => Types.SelectMany(t => t.Options);

    public static IConfigurationRoot Load(string? configFile, IDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new ConfigurationException($"The configuration file '{configFile}' does not exist.");
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables("XMPPPRIVACY_");
        if (overrides is not null) builder.AddInMemoryCollection(overrides);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigurationException($"The configuration file '{configFile}' is not valid JSON.");
        }
    }

    /// <summary>Binds and checks every options class of the host and the catalogue's features.</summary>
    public static Settings From(IConfiguration configuration) => From(configuration, Catalogue.OptionTypes);

    public static Settings From(IConfiguration configuration, IReadOnlyList<OptionsClass> types)
    {
        var settings = new Settings(types);
        var errors = new List<string>();
        var specs = types.SelectMany(t => t.Options).ToList();
        var known = specs.Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in types.Select(t => t.Section))
            foreach (var entry in configuration.GetSection(section).AsEnumerable())
                if (entry.Value is not null && !known.Contains(entry.Key))
                    unknown.Add(entry.Key);
        errors.AddRange(unknown.Select(key => $"{key}: unknown option (see docs/configuration.md)."));
        foreach (var type in types)
        {
            var instance = type.CreateDefaults();
            foreach (var option in type.Options)
            {
                var raw = configuration[option.Key];
                settings._sources[option.Key] = raw is null ? "default" : "configured";
                if (raw is null) continue;
                try
                {
                    option.Property.SetValue(instance, option.Parse(raw.Trim()));
                }
                catch (OptionSpec.Invalid e)
                {
                    var shown = option.Secret ? "(hidden)" : $"'{raw}'";
                    errors.Add($"{option.Key}: {shown} is not allowed; expected {e.Message}.");
                }
            }
            settings._options[type.Type] = instance;
        }
        if (errors.Count > 0) throw new ConfigurationException("Invalid configuration:\n  " + string.Join("\n  ", errors));
        return settings;
    }

    public T Get<T>() where T : class => (T)_options[typeof(T)];

    /// <summary>
    /// Registers <typeparamref name="T"/> with the Options pattern: bound from these checked values, validated
    /// on start (a value set in code is checked against the same ranges), and injectable as <c>T</c> itself.
    /// </summary>
    public void Register<[DynamicallyAccessedMembers(OptionsClass.Needs)] T>(IServiceCollection services) where T : class
    {
        services.AddOptions<T>().Configure(target =>
        {
            foreach (var option in OptionSpec.Of(typeof(T))) option.Property.SetValue(target, option.Property.GetValue(_options[typeof(T)]));
        }).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>, DeclaredRanges<T>>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
    }

    /// <summary>The secret from <c>Component:Secret</c> or the first line of <c>Component:SecretFile</c>.</summary>
    public string ComponentSecret()
    {
        var component = Get<ComponentOptions>();
        if (component.Secret is { } secret) return secret;
        if (component.SecretFile is { } file)
        {
            if (!File.Exists(file)) throw new ConfigurationException($"Component:SecretFile: '{file}' does not exist.");
            var line = File.ReadLines(file).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(line)) throw new ConfigurationException($"Component:SecretFile: '{file}' is empty.");
            return line;
        }
        throw new ConfigurationException("Component:Secret is not set; expected the component secret in XMPPPRIVACY_Component__Secret or a file named by Component:SecretFile.");
    }

    /// <summary>The effective configuration as text, secrets hidden (for <c>check-config</c>).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var type in Types)
            foreach (var option in type.Options)
            {
                var value = option.Property.GetValue(_options[type.Type]);
                var shown = option.Secret ? (value is null ? "(not set)" : "(set, hidden)") : OptionSpec.ShowValue(value);
                text.Append(option.Key).Append(" = ").Append(shown).Append("   [").Append(_sources[option.Key]).Append("]\n");
            }
        return text.ToString();
    }

    /// <summary>Checks the final values against the declared ranges (what a test or a PostConfigure set in code, too).</summary>
    private sealed class DeclaredRanges<[DynamicallyAccessedMembers(OptionsClass.Needs)] T> : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            foreach (var option in OptionSpec.Of(typeof(T)))
            {
                var value = option.Property.GetValue(options);
                if (value is null || value is IReadOnlyList<string> { Count: 0 } || option.Secret) continue;
                try
                {
                    option.Parse(OptionSpec.ShowValue(value));
                }
                catch (OptionSpec.Invalid e)
                {
                    failures.Add($"{option.Key}: {OptionSpec.ShowValue(value)} is not allowed; expected {e.Message}.");
                }
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
