using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace XmppPrivacy.Hosting.Options;

/// <summary>
/// One configuration option as its options class declares it: key, type, default, meaning and how its text
/// is read and checked. Binding, start-up validation, <c>check-config</c> and <c>docs/configuration.md</c>
/// all come from these.
/// </summary>
public sealed partial record OptionSpec(string Key, string Type, string Default, string Meaning, Func<string, object?> Parse, PropertyInfo Property)
{
    /// <summary>Secrets are never printed or logged.</summary>
    public bool Secret { get; init; }

    /// <summary>Thrown by a parser: the text says what is allowed.</summary>
    public sealed class Invalid(string allowed) : Exception(allowed);

    /// <summary>The options of one class, in declaration order.</summary>
    public static IReadOnlyList<OptionSpec> Of([DynamicallyAccessedMembers(OptionsClass.Needs)] Type options)
    {
        var section = options.GetCustomAttribute<OptionsSectionAttribute>()?.Name
            ?? throw new InvalidOperationException($"{options.Name} needs an [OptionsSection].");
        var defaults = Activator.CreateInstance(options)!;
        return options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Option: p.GetCustomAttribute<OptionAttribute>()))
            .Where(p => p.Option is not null)
            .OrderBy(p => p.Option!.Line)
            .Select(p => Create(section + ":" + p.Property.Name, p.Property, p.Option!, p.Property.GetValue(defaults)))
            .ToList();
    }

    private static OptionSpec Create(string key, PropertyInfo property, OptionAttribute option, object? @default)
    {
        var type = property.PropertyType;
        var optional = option.Optional;
        var meaning = option.Meaning;
        if (type == typeof(int))
        {
            var min = option.Min is null ? int.MinValue : int.Parse(option.Min, CultureInfo.InvariantCulture);
            var max = option.Max is null ? int.MaxValue : int.Parse(option.Max, CultureInfo.InvariantCulture);
            return new(key, "integer", ((int)@default!).ToString(CultureInfo.InvariantCulture), meaning, text =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n : throw new Invalid($"a whole number from {min} to {max}"), property);
        }
        if (type == typeof(long))
        {
            var min = option.Min is null ? long.MinValue : long.Parse(option.Min, CultureInfo.InvariantCulture);
            var max = option.Max is null ? long.MaxValue : long.Parse(option.Max, CultureInfo.InvariantCulture);
            return new(key, "integer", ((long)@default!).ToString(CultureInfo.InvariantCulture), meaning, text =>
                long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n : throw new Invalid($"a whole number from {min} to {max}"), property);
        }
        if (type == typeof(TimeSpan))
        {
            var min = option.Min is null ? TimeSpan.Zero : ParsePeriod(option.Min);
            var max = option.Max is null ? TimeSpan.MaxValue : ParsePeriod(option.Max);
            return new(key, "period", Show((TimeSpan)@default!), meaning, text =>
                TryParsePeriod(text, out var period) && period >= min && period <= max
                    ? period : throw new Invalid($"a period from {Show(min)} to {Show(max)}, written like 30s, 15m, 24h, 7d, 1w or 00:01:00"), property);
        }
        if (type == typeof(bool))
            return new(key, "boolean", (bool)@default! ? "true" : "false", meaning, text =>
                bool.TryParse(text, out var value) ? value : throw new Invalid("true or false"), property);
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(n => n.ToLowerInvariant()).ToArray();
            return new(key, string.Join(" | ", names), @default!.ToString()!.ToLowerInvariant(), meaning, text =>
                Enum.GetNames(type).FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } name
                    ? Enum.Parse(type, name) : throw new Invalid("one of " + string.Join(", ", names)), property);
        }
        if (type == typeof(IReadOnlyList<string>) && option.Kind == OptionKind.BareJids)
            return new(key, "list of JIDs", ShowList((IReadOnlyList<string>)@default!), meaning, ParseBareJids, property);
        if (type != typeof(string)) throw new InvalidOperationException($"{key}: options of type {type.Name} are not supported.");

        var shown = @default as string is { Length: > 0 } d ? d : "(none)";
        Func<string, object?> parse = option.Kind switch
        {
            OptionKind.Domain => text => DomainPattern().IsMatch(text) ? text.ToLowerInvariant()
                : throw new Invalid(optional ? "a domain name such as upload.example.org, or empty to turn it off" : "a domain name such as privacy.example.org"),
            OptionKind.HttpUrls => text => text.Split(';').All(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                ? text : throw new Invalid("one or more http:// or https:// URLs separated by ';'"),
            OptionKind.DomainPeriods => text => TryParseDomainPeriods(text, out _) ? text
                : throw new Invalid("domains with a period each, such as clipboard.example.org=24h, separated by commas"),
            _ => text => text,
        };
        return new(key, option.Kind switch { OptionKind.Domain => "domain", OptionKind.Path => "path", OptionKind.DomainPeriods => "list of domain=period", _ => "string" }, shown, meaning,
            text => text.Length == 0 ? (optional ? null : throw new Invalid(option.Kind == OptionKind.Domain ? "a domain name such as privacy.example.org" : "a non-empty text")) : parse(text),
            property) { Secret = option.Secret };
    }

    private static object ParseBareJids(string text)
    {
        var jids = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Xmpp.Jid.TryParse(part, out var jid) || !jid.IsBare || jid.Local is null)
                throw new Invalid("bare JIDs such as admin@example.org, separated by commas");
            jids.Add(jid.ToString());
        }
        return (IReadOnlyList<string>)jids;
    }

    /// <summary>Reads <c>domain=period</c> pairs separated by commas (<c>clipboard.example.org=24h</c>); domains lower-cased.</summary>
    public static bool TryParseDomainPeriods(string text, out IReadOnlyList<(string Domain, TimeSpan Period)> pairs)
    {
        var list = new List<(string, TimeSpan)>();
        pairs = list;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0 || !DomainPattern().IsMatch(part[..equals].Trim())
                || !TryParsePeriod(part[(equals + 1)..], out var period) || period <= TimeSpan.Zero) return false;
            list.Add((part[..equals].Trim().ToLowerInvariant(), period));
        }
        return true;
    }

    /// <summary>A value as <c>check-config</c> shows it (secrets are the caller's to hide).</summary>
    public static string ShowValue(object? value) => value switch
    {
        null => "(none)",
        TimeSpan t => Show(t),
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        IReadOnlyList<string> list => ShowList(list),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string ShowList(IReadOnlyList<string> list) => list.Count == 0 ? "(none)" : string.Join(",", list);

    private static TimeSpan ParsePeriod(string text) =>
        TryParsePeriod(text, out var period) ? period : throw new FormatException($"'{text}' is not a period.");

    public static bool TryParsePeriod(string text, out TimeSpan period)
    {
        var match = PeriodPattern().Match(text.Trim());
        if (match.Success && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 1_000_000)
        {
            period = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" or "min" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            return true;
        }
        return TimeSpan.TryParseExact(text.Trim(), ["c", "g"], CultureInfo.InvariantCulture, out period);
    }

    public static string Show(TimeSpan period) =>
        period.TotalDays >= 1 && period.TotalDays % 1 == 0 ? $"{period.TotalDays}d"
        : period.TotalHours >= 1 && period.TotalHours % 1 == 0 ? $"{period.TotalHours}h"
        : period.TotalMinutes >= 1 && period.TotalMinutes % 1 == 0 ? $"{period.TotalMinutes}m"
        : period.TotalSeconds % 1 == 0 ? $"{period.TotalSeconds}s"
        : $"{period.TotalMilliseconds}ms";

    [GeneratedRegex(@"^([0-9]+)(ms|s|min|m|h|d|w)$")]
    private static partial Regex PeriodPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")]
    private static partial Regex DomainPattern();
}
