using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace XmppPrivacy.Hosting;

/// <summary>A configuration value was refused; the message names the key, the value and what is allowed.</summary>
public sealed class ConfigurationException(string message) : Exception(message);

/// <summary>
/// The effective configuration: every option of <see cref="OptionCatalogue"/> parsed and checked, from
/// defaults, the JSON file and <c>XMPPPRIVACY_</c> environment variables (later wins). Unknown keys in our
/// sections are refused, so a typo never silently keeps a default.
/// </summary>
public sealed class Settings
{
    private static readonly string[] Sections = ["Component", "Http", "Storage", "Sweeps", "Archive", "Notices", "Log"];
    private readonly Dictionary<string, object?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _sources = new(StringComparer.OrdinalIgnoreCase);

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

    public static Settings From(IConfiguration configuration)
    {
        var settings = new Settings();
        var errors = new List<string>();
        foreach (var section in Sections)
            foreach (var entry in configuration.GetSection(section).AsEnumerable())
                if (entry.Value is not null && !OptionCatalogue.All.Any(o => o.Key.Equals(entry.Key, StringComparison.OrdinalIgnoreCase)))
                    errors.Add($"{entry.Key}: unknown option (see docs/configuration.md).");
        foreach (var option in OptionCatalogue.All)
        {
            var raw = configuration[option.Key];
            settings._sources[option.Key] = raw is null ? "default" : "configured";
            var text = raw ?? (option.Default == "(none)" ? "" : option.Default);
            try
            {
                settings._values[option.Key] = option.Parse(text.Trim());
            }
            catch (OptionSpec.Invalid e)
            {
                var shown = option.Secret ? "(hidden)" : $"'{text}'";
                errors.Add($"{option.Key}: {shown} is not allowed; expected {e.Message}.");
            }
        }
        if (errors.Count > 0) throw new ConfigurationException("Invalid configuration:\n  " + string.Join("\n  ", errors));
        return settings;
    }

    public T Get<T>(string key) => (T)_values[OptionCatalogue.Find(key).Key]!;
    public T? GetOptional<T>(string key) where T : class => _values[OptionCatalogue.Find(key).Key] as T;

    /// <summary>The secret from <c>Component:Secret</c> or the first line of <c>Component:SecretFile</c>.</summary>
    public string ComponentSecret()
    {
        if (GetOptional<string>("Component:Secret") is { } secret) return secret;
        if (GetOptional<string>("Component:SecretFile") is { } file)
        {
            if (!File.Exists(file)) throw new ConfigurationException($"Component:SecretFile: '{file}' does not exist.");
            var line = File.ReadLines(file).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(line)) throw new ConfigurationException($"Component:SecretFile: '{file}' is empty.");
            return line;
        }
        throw new ConfigurationException("Component:Secret is not set; expected the component secret in XMPPPRIVACY_Component__Secret or a file named by Component:SecretFile.");
    }

    public LogLevel LogLevel => Enum.Parse<LogLevel>(Get<string>("Log:Level"), ignoreCase: true);

    /// <summary>The configured component domains (privacy first; upload and rooms when not turned off).</summary>
    public IReadOnlyList<string> Domains =>
        new[] { "Component:Domains:Privacy", "Component:Domains:Upload", "Component:Domains:Rooms" }
            .Select(k => GetOptional<string>(k)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The effective configuration as text, secrets hidden (for <c>check-config</c>).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var option in OptionCatalogue.All)
        {
            var value = _values[option.Key];
            var shown = option.Secret ? (value is null ? "(not set)" : "(set, hidden)")
                : value switch { null => "(none)", TimeSpan t => OptionSpec.Show(t), IEnumerable<string> list => string.Join(",", list), _ => value.ToString() };
            text.Append(option.Key).Append(" = ").Append(shown).Append("   [").Append(_sources[option.Key]).Append("]\n");
        }
        return text.ToString();
    }
}
