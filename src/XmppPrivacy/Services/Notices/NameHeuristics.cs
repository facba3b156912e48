using System.Text.RegularExpressions;

namespace XmppPrivacy.Services.Notices;

/// <summary>Flags names that look machine-made, to point admins at a bot flood.</summary>
public static partial class NameHeuristics
{
    /// <summary>Why a name looks machine-made, or null.</summary>
    public static string? Flag(string name, IReadOnlyCollection<string> others)
    {
        if (name.Length >= 12 && LooksRandom(name)) return "random-looking";
        var numbered = Numbered().Match(name);
        if (numbered.Success)
        {
            var stem = numbered.Groups["stem"].Value;
            if (others.Count(o => o != name && Numbered().Match(o) is { Success: true } m && m.Groups["stem"].Value == stem) >= 1)
                return "numbered sequence";
        }
        return null;
    }

    // Long names mixing letters and digits with few vowels, or with no repeated structure, are rarely chosen by people.
    private static bool LooksRandom(string name)
    {
        var letters = name.Count(char.IsAsciiLetter);
        var digits = name.Count(char.IsAsciiDigit);
        var vowels = name.Count(c => "aeiouyAEIOUY".Contains(c));
        if (letters + digits < name.Length * 0.8) return false;
        var vowelShare = letters == 0 ? 0 : (double)vowels / letters;
        return (digits >= 3 && letters >= 3 && vowelShare < 0.3) || vowelShare < 0.15 || name.Distinct().Count() >= name.Length * 0.75 && digits >= 2;
    }

    [GeneratedRegex(@"^(?<stem>.*?[^0-9])?(?<number>[0-9]{1,9})$", RegexOptions.CultureInvariant)]
    private static partial Regex Numbered();
}
