using System.Globalization;
using System.Text.RegularExpressions;

namespace XmppPrivacy.Hosting;

/// <summary>
/// One configuration option: key, type, default, meaning and how its text is checked. The catalogue of
/// these is the single declaration that binding, validation, <c>check-config</c> and
/// <c>docs/configuration.md</c> all come from.
/// </summary>
public sealed partial record OptionSpec(string Key, string Type, string Default, string Meaning, Func<string, object?> Parse)
{
    /// <summary>Secrets are never printed or logged.</summary>
    public bool Secret { get; init; }

    /// <summary>Thrown by a parser: the text says what is allowed.</summary>
    public sealed class Invalid(string allowed) : Exception(allowed);

    public static OptionSpec Int(string key, int @default, int min, int max, string meaning) =>
        new(key, "integer", @default.ToString(CultureInfo.InvariantCulture), meaning, text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new Invalid($"a whole number from {min} to {max}"));

    public static OptionSpec Period(string key, string @default, TimeSpan min, TimeSpan max, string meaning) =>
        new(key, "period", @default, meaning, text =>
            TryParsePeriod(text, out var period) && period >= min && period <= max
                ? period : throw new Invalid($"a period from {Show(min)} to {Show(max)}, written like 30s, 15m, 24h, 7d, 1w or 00:01:00"));

    public static OptionSpec Text(string key, string @default, string meaning, Func<string, bool>? valid = null, string allowed = "a non-empty text") =>
        new(key, "string", @default, meaning, text =>
            text.Length > 0 && (valid?.Invoke(text) ?? true) ? text : throw new Invalid(allowed));

    public static OptionSpec OptionalText(string key, string meaning, bool secret = false) =>
        new(key, "string", "(none)", meaning, text => text.Length == 0 ? null : text) { Secret = secret };

    public static OptionSpec OneOf(string key, string @default, string[] allowed, string meaning) =>
        new(key, string.Join(" | ", allowed), @default, meaning, text =>
            allowed.FirstOrDefault(a => a.Equals(text, StringComparison.OrdinalIgnoreCase))
            ?? throw new Invalid("one of " + string.Join(", ", allowed)));

    public static OptionSpec Domain(string key, string @default, string meaning, bool optional = false) =>
        new(key, "domain", @default, meaning, text =>
            optional && text.Length == 0 ? null
            : DomainPattern().IsMatch(text) ? text.ToLowerInvariant()
            : throw new Invalid(optional ? "a domain name such as upload.example.org, or empty to turn it off" : "a domain name such as privacy.example.org"));

    public static OptionSpec Bool(string key, bool @default, string meaning) =>
        new(key, "boolean", @default ? "true" : "false", meaning, text =>
            bool.TryParse(text, out var value) ? value : throw new Invalid("true or false"));

    /// <summary>A comma-separated list of bare JIDs (may be empty).</summary>
    public static OptionSpec BareJids(string key, string meaning) =>
        new(key, "list of JIDs", "(none)", meaning, text =>
        {
            var jids = new List<string>();
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Xmpp.Jid.TryParse(part, out var jid) || !jid.IsBare || jid.Local is null)
                    throw new Invalid("bare JIDs such as admin@example.org, separated by commas");
                jids.Add(jid.ToString());
            }
            return (IReadOnlyList<string>)jids;
        });

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
